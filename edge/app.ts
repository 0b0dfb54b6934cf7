/**
 * The edge application. Middleware runs in this order for every request:
 *   request id → security headers → config → services (signer, Horizon, Soroban RPC) → CORS → body limit → session (identify, never reject)
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
import { services } from './middleware/services.ts'
import { session } from './middleware/session.ts'
import { web } from './routes/static.ts'
import type { AppDeps, AppEnv } from './types.ts'

/** The chain every request passes before its route's own rate limit, auth and validation. */
export function withBaseMiddleware(app: Hono<AppEnv>, deps: AppDeps): Hono<AppEnv> {
  app.use('*', requestId())
  app.use('*', securityHeaders())
  app.use('*', withConfig(deps))
  app.use('*', services())
  app.use('*', cors())
  app.use('*', bodyLimit())
  app.use('*', session())
  app.onError(onError)
  return app
}

/**
 * The route groups, by mount path, each imported on its first request. A test that needs the whole route
 * table (say, that every route is documented) loads them all: `await Promise.all(ROUTE_GROUPS.map(…))`.
 */
export const ROUTE_GROUPS: readonly (readonly [string, () => Promise<Hono<AppEnv>>])[] = [
  ['/health', async () => (await import('./routes/health.ts')).health],
  ['/auth', async () => (await import('./routes/auth.ts')).auth],
  // One mount, two modules: the account routes and their DeFi positions (GET /:id/positions).
  [
    '/api/accounts',
    async () => {
      const [{ accounts }, { positions }] = await Promise.all([
        import('./routes/accounts.ts'),
        import('./routes/positions.ts'),
      ])
      return new Hono<AppEnv>().route('/', accounts).route('/', positions)
    },
  ],
  ['/api/agent/accounts', async () => (await import('./routes/accounts.ts')).agentAccounts],
  ['/api/transactions', async () => (await import('./routes/transactions.ts')).transactions],
  ['/api/approvals', async () => (await import('./routes/approvals.ts')).approvals],
  ['/api/audit', async () => (await import('./routes/audit.ts')).audit],
  ['/api/attestation', async () => (await import('./routes/attestation.ts')).attestation],
  ['/chat', async () => (await import('./routes/chat.ts')).chat],
  ['/api/threads', async () => (await import('./routes/threads.ts')).threads],
  ['/api/network', async () => (await import('./routes/network.ts')).network],
  ['/openapi.json', async () => (await import('./routes/openapi.ts')).openapi],
]

export function createApp(deps: AppDeps = { now: Date.now }) {
  const app = withBaseMiddleware(new Hono<AppEnv>(), deps)

  // Each group is imported on its first request (lib/lazy-routes.ts): a cold start evaluates only this file,
  // the middleware and config, not stellar-sdk, the agent or the route schemas.
  for (const [path, load] of ROUTE_GROUPS) mountLazy(app, path, load)
  app.route('/', web)

  app.notFound((c) => jsonError(c, 'ERR_NOT_FOUND', 'no such route'))
  return app
}
