/**
 * The edge's only way to the signer: one envelope, one timeout, retries that reuse the requestId (the
 * signer answers a repeated id with its first response, so a retry never signs twice), strict parsing of
 * every response, and signer errors mapped to what the edge may tell its caller. No request leaves before
 * the signer's attestation verified (edge/attestation/trust.ts), and no answer is read before its signature
 * by the attested key, over this request's id, verified: otherwise 503 ERR_SIGNER_UNTRUSTED.
 */

import { KEY_ID_HEADER } from '../../shared/attestation.ts'
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
import { verifyResponseSignature } from '../attestation/response-signature.ts'
import { dropTrust, ensureTrusted, forgetTrust, type TrustDeps } from '../attestation/trust.ts'
import type { Config } from '../config.ts'
import type { Env } from '../env.ts'
import { randomToken } from '../lib/crypto.ts'

export type SignerClientOptions = {
  readonly timeoutMs?: number
  readonly retries?: number
  readonly now?: () => number
  readonly trust?: TrustDeps
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

/** Transient: worth one more try with the same requestId. */
const RETRYABLE_STATUS = new Set([502, 503, 504])

export function createSignerClient(env: Env, config: Config, opts: SignerClientOptions = {}): SignerCall {
  const timeoutMs = opts.timeoutMs ?? 8_000
  const retries = opts.retries ?? 2
  const now = opts.now ?? Date.now
  return async (method, userId, params, callOpts) => {
    const requestId = callOpts?.requestId ?? `sig_${randomToken(18)}`
    const responseSchema = signerResponseSchema(SIGNER_METHODS[method].result)
    // One envelope for every attempt: a retry is the same request, byte for byte.
    const envelope = JSON.stringify({ requestId, issuedAt: now(), userId, params })
    let lastProblem = 'no attempt'
    // Before anything is sent: a signer we cannot verify gets no request at all.
    let trust = await ensureTrusted(env, config, opts.trust)
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)))
      let res: Response
      try {
        res = await env.SIGNER.fetch(`${config.signerUrl}${signerPath(method)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': requestId },
          body: envelope,
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (e) {
        lastProblem = e instanceof Error ? e.name : 'fetch failed'
        continue
      }
      if (RETRYABLE_STATUS.has(res.status) && attempt < retries) {
        lastProblem = `status ${res.status}`
        await res.body?.cancel()
        continue
      }
      const raw = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)))
      // A restarted signer has a new key: re-attest once, then the signature must verify under the new key.
      if (res.headers.get(KEY_ID_HEADER) !== trust.keyId) {
        forgetTrust(config)
        trust = await ensureTrusted(env, config, opts.trust)
      }
      const signed = await verifyResponseSignature(
        trust.key,
        { requestId, status: res.status, body: raw, headers: res.headers },
        now(),
      )
      if (!signed.ok) {
        // The result is discarded (a refund, a signature, anything): it may not come from the attested signer.
        dropTrust(config, `${method}: ${signed.error}`, now())
        throw new AppError(
          'ERR_SIGNER_UNTRUSTED',
          'the signer could not be verified',
          `${method}: ${signed.error}`,
        )
      }
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
    throw new AppError(
      'ERR_SIGNER_UNAVAILABLE',
      'the signer is unavailable, try again shortly',
      `${method}: ${lastProblem}`,
    )
  }
}

/** Is the signer there? A short mTLS request to its health method, bounded in time. */
export async function probeSigner(env: Env, config: Config, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await env.SIGNER.fetch(`${config.signerUrl}/v1/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    })
    const body: unknown = await res.json().catch(() => undefined)
    return res.ok && typeof body === 'object' && body !== null && (body as { ok?: unknown }).ok === true
  } catch {
    return false
  }
}
