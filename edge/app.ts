/**
 * The edge application. Middleware runs in this order for every request:
 *   request id → security headers → config → CORS → body limit → session (identify, never reject)
 * and then, per route group: rate limit (keyed by the identified user, else IP) → requireUser /
 * requireFreshAuth → zod validation → handler. `onError` turns anything thrown into { code, message, requestId }.
 */
import { Hono } from 'hono'
import { jsonError, onError } from './errors.ts'
import { mountLazy } from './lib/lazy-routes.ts'
import { bodyLimit } from './middleware/body-limit.ts'
import { withConfig } from './middleware/config.ts'
import { cors } from './middleware/cors.ts'
import { requestId } from './middleware/request-id.ts'
import { securityHeaders } from './middleware/security-headers.ts'
import { session } from './middleware/session.ts'
import { web } from './routes/static.ts'
import type { AppDeps, AppEnv } from './types.ts'

/** The chain every request passes before its route's own rate limit, auth and validation. */
export function withBaseMiddleware(app: Hono<AppEnv>, deps: AppDeps): Hono<AppEnv> {
  app.use('*', requestId())
  app.use('*', securityHeaders())
  app.use('*', withConfig(deps))
  app.use('*', cors())
  app.use('*', bodyLimit())
  app.use('*', session())
  app.onError(onError)
  return app
}

export function createApp(deps: AppDeps = { now: Date.now }) {
  const app = withBaseMiddleware(new Hono<AppEnv>(), deps)

  // Each group is imported on its first request (lib/lazy-routes.ts): a cold start evaluates only this file,
  // the middleware and config, not stellar-sdk, the agent or the route schemas.
  mountLazy(app, '/health', async () => (await import('./routes/health.ts')).health)
  mountLazy(app, '/auth', async () => (await import('./routes/auth.ts')).auth)
  mountLazy(app, '/api/accounts', async () => (await import('./routes/accounts.ts')).accounts)
  mountLazy(app, '/api/agent/accounts', async () => (await import('./routes/accounts.ts')).agentAccounts)
  mountLazy(app, '/api/transactions', async () => (await import('./routes/transactions.ts')).transactions)
  mountLazy(app, '/api/approvals', async () => (await import('./routes/approvals.ts')).approvals)
  mountLazy(app, '/api/audit', async () => (await import('./routes/audit.ts')).audit)
  mountLazy(app, '/chat', async () => (await import('./routes/chat.ts')).chat)
  mountLazy(app, '/api/threads', async () => (await import('./routes/threads.ts')).threads)
  mountLazy(app, '/openapi.json', async () => (await import('./routes/openapi.ts')).openapi)
  app.route('/', web)

  app.notFound((c) => jsonError(c, 'ERR_NOT_FOUND', 'no such route'))
  return app
}
