/**
 * Test access to the edge: the real app, the real bindings (D1, the mTLS SIGNER service), an injectable
 * clock, per-test env overrides (e.g. a small rate limit), and a signed-in user made straight in D1.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { createApp } from '../../../edge/app.ts'
import { createSession } from '../../../edge/auth/sessions.ts'
import { NO_PINS } from '../../../edge/config.ts'
import type { Env } from '../../../edge/env.ts'
import { newId } from '../../../edge/lib/crypto.ts'

export type Clock = { now: number }

const ZERO_PINS = JSON.stringify(NO_PINS)

export function testApp(opts: { clock?: Clock; env?: Record<string, string>; signer?: Fetcher } = {}) {
  const clock = opts.clock
  const app = createApp({ now: clock ? () => clock.now : Date.now })
  // A fresh env object gets a freshly parsed config (config is cached per env object).
  // Staging/production refuse an insecure-dev signer: such envs get tdx with (unmatchable) zero pins.
  const strict =
    opts.env?.ENVIRONMENT && opts.env.ENVIRONMENT !== 'development'
      ? { ATTESTATION_MODE: 'tdx', SIGNER_MEASUREMENTS: ZERO_PINS }
      : {}
  const testEnv = {
    ...(env as unknown as Env),
    ...strict,
    ...(opts.env ?? {}),
    // A replacement SIGNER binding (e.g. one that tampers with the real signer's answers).
    ...(opts.signer ? { SIGNER: opts.signer } : {}),
  } as Env
  return async (path: string, init: RequestInit & { ip?: string } = {}): Promise<Response> => {
    const headers = new Headers(init.headers)
    if (!headers.has('cf-connecting-ip')) headers.set('cf-connecting-ip', init.ip ?? randomIp())
    const ctx = createExecutionContext()
    const res = await app.fetch(new Request(`http://localhost${path}`, { ...init, headers }), testEnv, ctx)
    await waitOnExecutionContext(ctx)
    return res
  }
}

export const randomIp = () => `10.${rand255()}.${rand255()}.${rand255()}`
const rand255 = () => Math.floor(Math.random() * 255)

/** A user and a live session made directly in D1 (for routes whose subject is not the login itself). */
export async function signedInUser(opts: { now?: number; fresh?: boolean } = {}) {
  const userId = newId('usr')
  const now = opts.now ?? Date.now()
  await env.DB.prepare('INSERT INTO users (id, email, created_at) VALUES (?, ?, ?)')
    .bind(userId, `${userId}@test.example`, now)
    .run()
  const { token, session } = await createSession(env.DB, userId, now, { reauth: opts.fresh ?? false })
  return { userId, token, sessionId: session.id, auth: { authorization: `Bearer ${token}` } }
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T
}
