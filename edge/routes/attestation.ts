/**
 * GET /api/attestation: the signer's attestation document (quote, event log, response key and HPKE key), as
 * this edge verified it. The browser checks that the quote's report data binds the HPKE key it seals seeds to
 * (edge/web/seal.ts), so an edge that swaps in a key of its own is caught by the page even though the edge
 * relays the seal. Served only when the signer's current keys are the ones this isolate verified: a document
 * fetched after a restart is re-verified before it is shown. Public data: no session needed.
 */
import { Hono } from 'hono'
import { AttestationResponseSchema, toHex } from '../../shared/attestation.ts'
import { AppError } from '../../shared/errors.ts'
import { ensureTrusted, forgetTrust, type Trust } from '../attestation/trust.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import type { RouteDoc } from '../openapi.ts'
import { replicaOrder } from '../signer-client/replicas.ts'
import type { AppEnv } from '../types.ts'

const read = rateLimit(['read'], { failClosed: false })

export const AttestationViewSchema = AttestationResponseSchema.shape.result

export const ATTESTATION_DOCS: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/attestation',
    summary: "The signer's attestation document: the quote binds its response key and its seed-sealing key",
    auth: 'none',
    response: AttestationViewSchema,
    tag: 'attestation',
  },
]

export const attestation = new Hono<AppEnv>().get('/', read, async (c) => {
  const config = c.var.config
  // The first replica, in the client's order, that this isolate trusts.
  let picked: { url: string; trust: Trust } | undefined
  let lastError: unknown
  for (const url of replicaOrder(config.signerUrls, Date.now())) {
    try {
      picked = { url, trust: await ensureTrusted(c.env, config, {}, url) }
      break
    } catch (e) {
      lastError = e
    }
  }
  if (!picked) throw lastError
  const { url, trust } = picked
  let json: unknown
  try {
    const res = await c.env.SIGNER.fetch(`${url}/v1/attestation`, {
      signal: AbortSignal.timeout(5_000),
    })
    json = await res.json()
  } catch (e) {
    throw new AppError('ERR_SIGNER_UNAVAILABLE', 'signer unavailable', e instanceof Error ? e.name : 'fetch')
  }
  const parsed = AttestationResponseSchema.safeParse(json)
  if (!parsed.success) throw new AppError('ERR_SIGNER_UNAVAILABLE', 'signer gave an unexpected answer')
  const doc = parsed.data.result
  if (doc.publicKey !== toHex(trust.publicKey) || doc.hpkePublicKey !== toHex(trust.hpkePublicKey)) {
    // The signer restarted with new keys since this isolate verified it: verify again before showing them.
    forgetTrust(url)
    throw new AppError('ERR_SIGNER_UNAVAILABLE', 'the signer restarted; try again')
  }
  c.header('Cache-Control', 'no-store')
  return c.json(doc)
})
