/**
 * Checks the signature the signer puts on every RPC response: Ed25519 by the attested key over
 * (requestId, status, SHA-256 of the body, timestamp, audit head). The request id is the one the edge sent,
 * so a response recorded for another request, or a body altered on the way, does not verify; the audit head
 * is signed with it, so a head edited or stripped on the way does not verify either (audit-head.ts then
 * compares it with the highest head this deployment has seen).
 */
import {
  AUDIT_HEAD_HEADER,
  parseAuditHead,
  responseSigningMessage,
  SIGNATURE_HEADER,
  type SignedAuditHead,
  TIMESTAMP_HEADER,
  toHex,
} from '../../shared/attestation.ts'
import { err, ok, type Result } from '../../shared/result.ts'

/** Clock skew tolerated between the Worker and the CVM. */
export const MAX_RESPONSE_AGE_MS = 120_000

export type SignedResponse = {
  readonly requestId: string
  readonly status: number
  readonly body: Uint8Array
  readonly headers: { get(name: string): string | null }
}

function fromBase64url(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]{86}$/.test(s)) return undefined
  const b64 = s.replaceAll('-', '+').replaceAll('_', '/')
  const bin = atob(`${b64}==`)
  return Uint8Array.from(bin, (c) => c.charCodeAt(0))
}

/** The imported verification key (WebCrypto's CryptoKey, in workerd and in Node). */
export type ResponseKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>

/** Import once per trusted key; verification then costs one digest and one Ed25519 verify. */
export const importResponseKey = (publicKey: Uint8Array): Promise<ResponseKey> =>
  crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify'])

export async function verifyResponseSignature(
  key: ResponseKey,
  res: SignedResponse,
  nowMs: number,
): Promise<Result<SignedAuditHead | undefined, string>> {
  const sig = fromBase64url(res.headers.get(SIGNATURE_HEADER) ?? '')
  if (!sig) return err('response is not signed')
  const tsRaw = res.headers.get(TIMESTAMP_HEADER) ?? ''
  if (!/^[0-9]{1,15}$/.test(tsRaw)) return err('response timestamp is missing')
  const ts = Number(tsRaw)
  // Bounds how long a captured response stays usable, on top of the request-id binding.
  if (Math.abs(nowMs - ts) > MAX_RESPONSE_AGE_MS) return err('response timestamp is out of range')
  const headRaw = res.headers.get(AUDIT_HEAD_HEADER)
  const head = headRaw === null ? undefined : parseAuditHead(headRaw)
  if (headRaw !== null && !head) return err('response audit head is malformed')
  const bodyHash = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', res.body)))
  const message = responseSigningMessage(res.requestId, res.status, bodyHash, ts, head)
  const good = await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, message)
  return good ? ok(head) : err('response signature is invalid')
}
