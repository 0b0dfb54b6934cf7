/** Passkey auth, sessions, recovery codes and re-authentication. (Filled in by the auth work.) */
import { Hono } from 'hono'
import type { AppEnv } from '../types.ts'

export const auth = new Hono<AppEnv>()
