/** Hono's typing for this app: what the middleware chain puts on the context. */
import type { Config } from './config.ts'
import type { Env } from './env.ts'

export type AppVariables = {
  requestId: string
  config: Config
}

export type AppEnv = { Bindings: Env; Variables: AppVariables }
