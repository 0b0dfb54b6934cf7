/**
 * The edge application: middleware in a fixed order, then the route groups.
 * request id → security headers → config → CORS → body limit → rate limit → auth → validation → handler.
 */
import { Hono } from 'hono'
import { jsonError, onError } from './errors.ts'
import { withConfig } from './middleware/config.ts'
import { requestId } from './middleware/request-id.ts'
import { securityHeaders } from './middleware/security-headers.ts'
import { health } from './routes/health.ts'
import type { AppEnv } from './types.ts'

export function createApp() {
  const app = new Hono<AppEnv>()
  app.use('*', requestId())
  app.use('*', securityHeaders())
  app.use('*', withConfig())
  app.route('/health', health)
  app.notFound((c) => jsonError(c, 'ERR_NOT_FOUND', 'no such route'))
  app.onError(onError)
  return app
}
