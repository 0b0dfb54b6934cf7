/**
 * Checks the signature the signer puts on every RPC response: Ed25519 by the attested key over
 * (requestId, status, SHA-256 of the body, timestamp). The request id is the one the edge sent, so a
 * response recorded for another request, or a body altered on the way, does not verify.
 */
import {
  responseSigningMessage,
  SIGNATURE_HEADER,
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
): Promise<Result<void, string>> {
  const sig = fromBase64url(res.headers.get(SIGNATURE_HEADER) ?? '')
  if (!sig) return err('response is not signed')
  const tsRaw = res.headers.get(TIMESTAMP_HEADER) ?? ''
  if (!/^[0-9]{1,15}$/.test(tsRaw)) return err('response timestamp is missing')
  const ts = Number(tsRaw)
  // Bounds how long a captured response stays usable, on top of the request-id binding.
  if (Math.abs(nowMs - ts) > MAX_RESPONSE_AGE_MS) return err('response timestamp is out of range')
  const bodyHash = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', res.body)))
  const message = responseSigningMessage(res.requestId, res.status, bodyHash, ts)
  const good = await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, message)
  return good ? ok(undefined) : err('response signature is invalid')
}
