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
import { probeReplicas } from '../signer-client/replicas.ts'
import type { AppEnv } from '../types.ts'

export const VERSION = '0.1.0'

export const health = new Hono<AppEnv>().get('/', rateLimit(['health'], { failClosed: false }), async (c) => {
  const config = c.var.config
  // Every replica: probed (refreshing the client's up/down marks) and verified (or the isolate's cached
  // verdict reused, good or bad) so /health reflects the current trust.
  const probes = await probeReplicas(c.env, config)
  const replicas = await Promise.all(
    probes.map(async ({ url, reachable }) => {
      await ensureTrusted(c.env, config, {}, url).catch(() => undefined)
      const state = currentTrust(url)
      return { reachable, trusted: state?.trusted === true, state }
    }),
  )
  const serving = replicas.find((r) => r.reachable && r.trusted)
  const reachable = replicas.some((r) => r.reachable)
  const trusted = replicas.some((r) => r.trusted)
  // The attestation shown is a serving replica's, else the first's.
  const trust = (serving ?? replicas[0])?.state
  const base = {
    status: serving ? 'ok' : 'degraded',
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
  // With several replicas, each one's state (by position in SIGNER_URLS: no addresses on the wire).
  const perReplica =
    replicas.length > 1
      ? { replicas: replicas.map((r) => ({ reachable: r.reachable, trusted: r.trusted })) }
      : {}
  return c.json({ ...base, signer: { trusted, reachable, attestation, ...perReplica } })
})
