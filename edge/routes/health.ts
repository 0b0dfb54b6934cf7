/** GET /health: is the edge configured and can it reach its dependencies. It reveals no secret. */
import { Hono } from 'hono'
import { probeSigner } from '../signer-client/probe.ts'
import type { AppEnv } from '../types.ts'

export const VERSION = '0.1.0'

export const health = new Hono<AppEnv>().get('/', async (c) => {
  const config = c.var.config
  const signer = await probeSigner(c.env, config)
  return c.json({
    status: signer.reachable ? 'ok' : 'degraded',
    version: VERSION,
    environment: config.environment,
    network: config.network.name,
    signer: { reachable: signer.reachable },
    llm: { configured: config.llm.apiKey !== undefined },
    requestId: c.var.requestId,
  })
})
