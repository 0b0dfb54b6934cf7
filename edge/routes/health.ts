/** GET /health: is the edge configured and can it reach its dependencies. It reveals no secret. */
import { Hono } from 'hono'
import { rateLimit } from '../middleware/rate-limit.ts'
import { probeSigner } from '../signer-client/client.ts'
import type { AppEnv } from '../types.ts'

export const VERSION = '0.1.0'

export const health = new Hono<AppEnv>().get('/', rateLimit(['health'], { failClosed: false }), async (c) => {
  const config = c.var.config
  const reachable = await probeSigner(c.env, config)
  return c.json({
    status: reachable ? 'ok' : 'degraded',
    version: VERSION,
    environment: config.environment,
    network: config.network.name,
    signer: { reachable },
    llm: { configured: config.llm.apiKey !== undefined },
    requestId: c.var.requestId,
  })
})
