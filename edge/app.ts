/**
 * The edge application. Middleware runs in this order for every request:
 *   request id → security headers → config → CORS → body limit → session (identify, never reject)
 * and then, per route group: rate limit (keyed by the identified user, else IP) → requireUser /
 * requireFreshAuth → zod validation → handler. `onError` turns anything thrown into { code, message, requestId }.
 */
import { Hono } from 'hono'
import { jsonError, onError } from './errors.ts'
import { bodyLimit } from './middleware/body-limit.ts'
import { withConfig } from './middleware/config.ts'
import { cors } from './middleware/cors.ts'
import { requestId } from './middleware/request-id.ts'
import { securityHeaders } from './middleware/security-headers.ts'
import { session } from './middleware/session.ts'
import { accounts, agentAccounts } from './routes/accounts.ts'
import { approvals } from './routes/approvals.ts'
import { attestation } from './routes/attestation.ts'
import { audit } from './routes/audit.ts'
import { auth } from './routes/auth.ts'
import { chat } from './routes/chat.ts'
import { health } from './routes/health.ts'
import { openapi } from './routes/openapi.ts'
import { web } from './routes/static.ts'
import { threads } from './routes/threads.ts'
import { transactions } from './routes/transactions.ts'
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

  app.route('/health', health)
  app.route('/auth', auth)
  app.route('/api/accounts', accounts)
  app.route('/api/agent/accounts', agentAccounts)
  app.route('/api/transactions', transactions)
  app.route('/api/approvals', approvals)
  app.route('/api/audit', audit)
  app.route('/api/attestation', attestation)
  app.route('/chat', chat)
  app.route('/api/threads', threads)
  app.route('/openapi.json', openapi)
  app.route('/', web)

  app.notFound((c) => jsonError(c, 'ERR_NOT_FOUND', 'no such route'))
  return app
}
