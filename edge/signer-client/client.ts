/**
 * The edge's only way to the signer: one envelope, one timeout, retries that reuse the requestId (the
 * signer answers a repeated id with its first response, so a retry never signs twice), strict parsing of
 * every response, and signer errors mapped to what the edge may tell its caller. No request leaves before
 * the signer's attestation verified (edge/attestation/trust.ts), and no answer is read before its signature
 * by the attested key, over this request's id, verified: otherwise 503 ERR_SIGNER_UNTRUSTED; and none
 * whose audit head went back (a rolled-back signer database): 503 ERR_SIGNER_ROLLED_BACK.
 *
 * Several replicas (SIGNER_URLS): each attested on its own; a call that fails on connection, or meets a
 * draining replica (503), goes to the next replica with the same requestId. An answer that fails its
 * signature or its head check is refused there and then, never silently retried elsewhere.
 */

import { KEY_ID_HEADER, type SignedAuditHead } from '../../shared/attestation.ts'
import { AppError, type ErrorCode, POLICY_REFUSAL_CODES, USER_PROOF_CODES } from '../../shared/errors.ts'
import {
  type ApprovalRequiredDetails,
  SIGNER_METHODS,
  type SignerError,
  type SignerMethod,
  type SignerParams,
  type SignerResult,
  signerPath,
  signerResponseSchema,
} from '../../shared/schemas/signer-rpc.ts'
import { HEAD_WINDOW } from '../attestation/audit-head.ts'
import { admitHead } from '../attestation/audit-head-store.ts'
import { verifyResponseSignature } from '../attestation/response-signature.ts'
import { dropTrust, ensureTrusted, forgetTrust, type Trust, type TrustDeps } from '../attestation/trust.ts'
import type { Config } from '../config.ts'
import type { Env } from '../env.ts'
import { randomToken } from '../lib/crypto.ts'
import { markDown, markUp, replicaOrder } from './replicas.ts'

export type SignerClientOptions = {
  readonly timeoutMs?: number
  readonly retries?: number
  readonly now?: () => number
  readonly trust?: TrustDeps
  /** How far behind the highest seen an audit head may be (audit-head.ts's HEAD_WINDOW unless a test). */
  readonly headWindow?: number
}

export type SignerCall = <M extends SignerMethod>(
  method: M,
  userId: string,
  params: SignerParams<M>,
  opts?: { requestId?: string },
) => Promise<SignerResult<M>>

/** Codes the signer may return that the edge passes through unchanged; everything else is internal. */
const PASS_THROUGH = new Set<ErrorCode>([
  'ERR_ACCOUNT_NOT_FOUND',
  'ERR_ACCOUNT_EXISTS',
  'ERR_ACCOUNT_SECRET_INVALID',
  'ERR_ACCOUNT_QUOTA',
  // a sealed seed that does not open, or an export key that cannot be sealed to: the browser can retry
  'ERR_SEAL_INVALID',
  'ERR_SEAL_KEY_INVALID',
  'ERR_TX_INVALID',
  'ERR_TX_NETWORK_MISMATCH',
  'ERR_TX_SOURCE_MISMATCH',
  'ERR_VALIDATION',
  ...POLICY_REFUSAL_CODES,
  // approvals.* on a missing or another user's approval
  'ERR_NOT_FOUND',
  'ERR_SIGNER_UNAVAILABLE',
  // a row of the signer's database failed its MAC: refused, and the person is told so (nothing secret in it)
  'ERR_SIGNER_STORE_TAMPERED',
  ...USER_PROOF_CODES,
  'ERR_AUTH_LAST_PASSKEY',
])

/**
 * A signer answer the caller may act on (a policy refusal, an approval request, a missing account), with
 * the approval request typed as the signer sent it: ERR_APPROVAL_REQUIRED carries ApprovalRequiredDetails.
 */
export class SignerRefusal extends AppError {
  readonly approval: ApprovalRequiredDetails | undefined
  constructor(error: SignerError) {
    super(error.code, error.message)
    this.name = 'SignerRefusal'
    this.approval = error.details
  }
}

/** Transient: worth one more try with the same requestId, on another replica when there is one. */
const RETRYABLE_STATUS = new Set([502, 503, 504])

/**
 * Calls that change nothing the signer decides on: their heads are checked against D1 but not recorded
 * (edge/attestation/audit-head-store.ts says why). Everything else records its head.
 */
const READ_ONLY = new Set<SignerMethod>([
  'accounts.list',
  'accounts.get',
  'audit.list',
  'approvals.list',
  'approvals.get',
  'policy.get',
])

/** The D1 key of a replica's audit chain: one for all (one database) or one per replica (development). */
const chainOf = (config: Config, url: string): string =>
  config.signerAuditChain === 'shared' ? 'shared' : url

export function createSignerClient(env: Env, config: Config, opts: SignerClientOptions = {}): SignerCall {
  const timeoutMs = opts.timeoutMs ?? 8_000
  const retries = opts.retries ?? 2
  const now = opts.now ?? Date.now
  const headWindow = opts.headWindow ?? HEAD_WINDOW
  return async (method, userId, params, callOpts) => {
    const requestId = callOpts?.requestId ?? `sig_${randomToken(18)}`
    const responseSchema = signerResponseSchema(SIGNER_METHODS[method].result)
    // One envelope for every attempt, on every replica: a retry is the same request, byte for byte, and the
    // signer's idempotency answers it with the first answer if an earlier attempt had committed.
    const envelope = JSON.stringify({ requestId, issuedAt: now(), userId, params })
    const problems: string[] = []
    let unreachable = false
    // Replicas whose attestation failed during this call are not asked again in it.
    const refused = new Set<string>()
    const order = replicaOrder(config.signerUrls, now())
    const attempts = Math.max(retries + 1, order.length)
    for (let attempt = 0; attempt < attempts; attempt++) {
      const url = order[attempt % order.length] ?? config.signerUrls[0]
      if (refused.has(url)) continue
      // Back off only when coming round to a replica already asked.
      if (attempt >= order.length)
        await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - order.length)))
      // Before anything is sent: a replica we cannot verify gets no request at all.
      let trust: Trust
      try {
        trust = await ensureTrusted(env, config, opts.trust, url)
      } catch (e) {
        if (!(e instanceof AppError)) throw e
        refused.add(url)
        problems.push(`${url}: untrusted`)
        continue
      }
      let res: Response
      try {
        res = await env.SIGNER.fetch(`${url}${signerPath(method)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': requestId },
          body: envelope,
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (e) {
        markDown(url, now())
        unreachable = true
        problems.push(`${url}: ${e instanceof Error ? e.name : 'fetch failed'}`)
        continue
      }
      if (RETRYABLE_STATUS.has(res.status) && attempt < attempts - 1) {
        markDown(url, now())
        unreachable = true
        problems.push(`${url}: status ${res.status}`)
        await res.body?.cancel()
        continue
      }
      const raw = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)))
      // A restarted signer has a new key: re-attest once, then the signature must verify under the new key.
      if (res.headers.get(KEY_ID_HEADER) !== trust.keyId) {
        forgetTrust(url)
        trust = await ensureTrusted(env, config, opts.trust, url)
      }
      const signed = await verifyResponseSignature(
        trust.key,
        { requestId, status: res.status, body: raw, headers: res.headers },
        now(),
      )
      if (!signed.ok) {
        // The result is discarded (a refund, a signature, anything): it may not come from the attested
        // signer. Not retried elsewhere: an answer that fails its signature is an attack, not an outage.
        dropTrust(url, `${method}: ${signed.error}`, now())
        throw new AppError(
          'ERR_SIGNER_UNTRUSTED',
          'the signer could not be verified',
          `${method}: ${signed.error}`,
        )
      }
      markUp(url)
      await admitAnswer(env, config, url, method, res.status, signed.value, now(), headWindow)
      let json: unknown
      try {
        json = JSON.parse(new TextDecoder().decode(raw))
      } catch {
        json = undefined
      }
      const parsed = responseSchema.safeParse(json)
      if (!parsed.success) {
        throw new AppError(
          'ERR_SIGNER_UNAVAILABLE',
          'signer gave an unexpected answer',
          `${method}: unparseable response (status ${res.status})`,
        )
      }
      const body = parsed.data as
        | { ok: true; result: SignerResult<typeof method> }
        | { ok: false; error: SignerError }
      if (body.ok) return body.result
      if (PASS_THROUGH.has(body.error.code)) throw new SignerRefusal(body.error)
      const { code, message } = body.error
      throw new AppError('ERR_INTERNAL', 'internal error', `signer ${method} answered ${code}: ${message}`)
    }
    // Every replica failed its attestation: that is a trust problem, not an outage.
    if (!unreachable) {
      throw new AppError('ERR_SIGNER_UNTRUSTED', 'the signer could not be verified', problems.join('; '))
    }
    throw new AppError(
      'ERR_SIGNER_UNAVAILABLE',
      'the signer is unavailable, try again shortly',
      `${method}: ${problems.join('; ') || 'no attempt'}`,
    )
  }
}

/**
 * The verified answer's audit head against the highest this deployment has seen. A rollback or fork is
 * refused, logged, and the replica's trust dropped; never retried on another replica (its answer exists).
 */
async function admitAnswer(
  env: Env,
  config: Config,
  url: string,
  method: SignerMethod,
  status: number,
  head: SignedAuditHead | undefined,
  nowMs: number,
  window: number,
): Promise<void> {
  let verdict: Awaited<ReturnType<typeof admitHead>>
  try {
    verdict = await admitHead(env.DB, {
      chain: chainOf(config, url),
      status,
      head,
      record: !READ_ONLY.has(method),
      nowMs,
      window,
    })
  } catch (e) {
    // Fail closed: an answer whose head cannot be checked is not used.
    throw new AppError(
      'ERR_SIGNER_UNAVAILABLE',
      'the signer is unavailable, try again shortly',
      `${method}: audit head not checked (${e instanceof Error ? e.message : 'D1 failed'})`,
    )
  }
  if (verdict.ok) return
  const detail = `${method}: ${verdict.error.detail}`
  console.log(
    JSON.stringify({
      level: 'error',
      code: 'ERR_SIGNER_ROLLED_BACK',
      replica: url,
      kind: verdict.error.kind,
      detail,
    }),
  )
  dropTrust(url, `audit head refused: ${detail}`, nowMs)
  throw new AppError('ERR_SIGNER_ROLLED_BACK', 'the signer could not be verified', detail)
}
