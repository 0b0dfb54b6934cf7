/**
 * The attestation contract between signer and edge, in one place so the two sides cannot drift:
 * - report data = SHA-512("tuxedo/signer/attestation-key/v2" ‖ 0x00 ‖ Ed25519 public key ‖ X25519 public key),
 *   all 64 bytes of the TDX REPORTDATA field, so a quote vouches for exactly one response key and exactly one
 *   seed-sealing (HPKE) key: neither can be swapped without the other (both are fixed-length, 32 bytes);
 * - every RPC response is signed by that key over JSON ["tuxedo/signer/response/v1", requestId, status,
 *   hex SHA-256(body), timestamp] (a JSON array: no field can be shifted into another by a separator);
 * - `GET /v1/attestation` answers the document below.
 * Web APIs and @noble only: this runs in workerd and in Node.
 */
import { sha512 } from '@noble/hashes/sha2'
import { z } from 'zod'

export const REPORT_DATA_LABEL = 'tuxedo/signer/attestation-key/v2'
const KEY_ID_LABEL = 'tuxedo/signer/response-key-id/v1'
export const RESPONSE_SIGNATURE_LABEL = 'tuxedo/signer/response/v1'

/** Response headers carrying the signature (base64url, 64 bytes), its timestamp (epoch ms) and key id. */
export const SIGNATURE_HEADER = 'x-signer-signature'
export const TIMESTAMP_HEADER = 'x-signer-timestamp'
export const KEY_ID_HEADER = 'x-signer-key-id'

export const ATTESTATION_MODES = ['tdx', 'insecure-dev'] as const
export type AttestationMode = (typeof ATTESTATION_MODES)[number]

const enc = new TextEncoder()

const labelled = (labelText: string, ...parts: Uint8Array[]): Uint8Array => {
  const label = enc.encode(labelText)
  const input = new Uint8Array(label.length + 1 + parts.reduce((n, p) => n + p.length, 0))
  input.set(label, 0)
  let at = label.length + 1
  for (const p of parts) {
    input.set(p, at)
    at += p.length
  }
  return sha512(input)
}

/**
 * The 64 bytes the signer asks the TDX module to put into REPORTDATA: its response key and its HPKE key.
 * Anything but two 32-byte keys throws, so no caller can bind a shorter key and shift the other.
 */
export function reportDataFor(publicKey: Uint8Array, hpkePublicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 32 || hpkePublicKey.length !== 32)
    throw new Error('report data binds two 32-byte keys')
  return labelled(REPORT_DATA_LABEL, publicKey, hpkePublicKey)
}

/** The exact bytes signed for one response. */
export function responseSigningMessage(
  requestId: string,
  status: number,
  bodySha256Hex: string,
  timestampMs: number,
): Uint8Array {
  return enc.encode(JSON.stringify([RESPONSE_SIGNATURE_LABEL, requestId, status, bodySha256Hex, timestampMs]))
}

export const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** A short public name for a response key (16 hex of a labelled SHA-512): lets the edge spot a new key. */
export const keyIdFor = (publicKey: Uint8Array): string =>
  toHex(labelled(KEY_ID_LABEL, publicKey).slice(0, 8))

const hexOf = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`))

/** `GET /v1/attestation` → `{ ok: true, result: AttestationDocument }`. */
export const AttestationDocumentSchema = z.strictObject({
  mode: z.enum(ATTESTATION_MODES),
  /** Ed25519 public key, hex. */
  publicKey: hexOf(32),
  /** X25519 public key (HPKE, RFC 9180) the browser seals seeds to, hex; bound in report data with publicKey. */
  hpkePublicKey: hexOf(32),
  /** TDX quote, hex; null in insecure-dev. */
  quote: z
    .string()
    .regex(/^[0-9a-f]+$/)
    .max(64 * 1024)
    .nullable(),
  /** The dstack event log (JSON text), which replays RTMR3; null in insecure-dev. */
  eventLog: z
    .string()
    .max(256 * 1024)
    .nullable(),
  appId: z.string().max(128).nullable(),
  composeHash: z.string().max(128).nullable(),
})
export type AttestationDocument = z.infer<typeof AttestationDocumentSchema>

export const AttestationResponseSchema = z.strictObject({
  ok: z.literal(true),
  result: AttestationDocumentSchema,
})
