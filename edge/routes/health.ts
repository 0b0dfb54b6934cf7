/**
 * GET /health: is the edge configured and can it reach a trusted signer. It reveals no secret.
 *
 * Anonymous callers learn only whether the signer is trusted. Why not (which pin, which advisory, which
 * check), and what it runs (compose hash, TCB status, release), tell an attacker which lie to try next, so that
 * goes to the log (trust.ts, once per verification) and to signed-in callers.
 */
import { Hono } from 'hono'
import { currentTrust, ensureTrusted } from '../attestation/trust.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { probeSigner } from '../signer-client/client.ts'
import type { AppEnv } from '../types.ts'

export const VERSION = '0.1.0'

export const health = new Hono<AppEnv>().get('/', rateLimit(['health'], { failClosed: false }), async (c) => {
  const config = c.var.config
  const reachable = await probeSigner(c.env, config)
  // Verifies (or reuses the isolate's cached verdict, good or bad) so /health reflects the current trust.
  await ensureTrusted(c.env, config).catch(() => undefined)
  const trust = currentTrust(config)
  const trusted = trust?.trusted === true
  const base = {
    status: reachable && trusted ? 'ok' : 'degraded',
    version: VERSION,
    environment: config.environment,
    network: config.network.name,
    llm: { configured: config.llm.apiKey !== undefined },
    requestId: c.var.requestId,
  }
  if (!c.var.caller) return c.json({ ...base, signer: { trusted } })
  const attestation = !trust
    ? { trusted: false, reason: 'not checked' }
    : trust.trusted
      ? {
          trusted: true,
          mode: trust.trust.mode,
          tcbStatus: trust.trust.tcbStatus,
          advisoryIds: trust.trust.advisoryIds,
          composeHash: trust.trust.composeHash,
          appId: trust.trust.appId,
          release: trust.trust.release,
          verifiedAt: new Date(trust.checkedAt).toISOString(),
          ...(trust.trust.mode === 'insecure-dev'
            ? {
                warning: 'INSECURE: signer is not attested (ATTESTATION_MODE=insecure-dev, development only)',
              }
            : {}),
        }
      : { trusted: false, reason: trust.reason, checkedAt: new Date(trust.checkedAt).toISOString() }
  return c.json({ ...base, signer: { trusted, reachable, attestation } })
})
