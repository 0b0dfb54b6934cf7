/** Hono's typing for this app: what the middleware chain puts on the context. */
import type { Config } from './config.ts'
import type { Env } from './env.ts'
import type { Services } from './money/services.ts'

/** The signed-in caller, resolved from the session cookie or bearer token. */
export type Caller = {
  readonly userId: string
  readonly sessionId: string
  /** When this session last made a fresh passkey assertion (ms), if ever. */
  readonly reauthAt: number | null
  /** When the session was created (ms). */
  readonly createdAt: number
}

export type AppVariables = {
  requestId: string
  config: Config
  /** The clock: injected so tests can move time (session expiry, approvals). */
  now: () => number
  caller: Caller | undefined
  /** Signer client, Horizon and Soroban RPC of this request, built once (edge/middleware/services.ts). */
  services: Services
}

export type AppEnv = { Bindings: Env; Variables: AppVariables }

export type AppDeps = { readonly now: () => number }
