/** GET /health: is the edge configured and can it reach its dependencies. It reveals no secret. */
import { Hono } from 'hono'
import { currentTrust, ensureTrusted } from '../attestation/trust.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { probeSigner } from '../signer-client/client.ts'
import type { AppEnv } from '../types.ts'

export const VERSION = '0.1.0'

export const health = new Hono<AppEnv>().get('/', rateLimit(['health'], { failClosed: false }), async (c) => {
  const config = c.var.config
  const reachable = await probeSigner(c.env, config)
  // Verifies (or reuses the isolate's cached verdict) so /health says why the signer is not trusted.
  await ensureTrusted(c.env, config).catch(() => undefined)
  const trust = currentTrust(config)
  const attestation = !trust
    ? { trusted: false, reason: 'not checked' }
    : trust.trusted
      ? {
          trusted: true,
          mode: trust.trust.mode,
          tcbStatus: trust.trust.tcbStatus,
          composeHash: trust.trust.composeHash,
          verifiedAt: new Date(trust.checkedAt).toISOString(),
          ...(trust.trust.mode === 'insecure-dev'
            ? {
                warning: 'INSECURE: signer is not attested (ATTESTATION_MODE=insecure-dev, development only)',
              }
            : {}),
        }
      : { trusted: false, reason: trust.reason, checkedAt: new Date(trust.checkedAt).toISOString() }
  return c.json({
    status: reachable && attestation.trusted ? 'ok' : 'degraded',
    version: VERSION,
    environment: config.environment,
    network: config.network.name,
    signer: { reachable, attestation },
    llm: { configured: config.llm.apiKey !== undefined },
    requestId: c.var.requestId,
  })
})
