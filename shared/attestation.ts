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
import { z } from 'zod'

// The binding itself lives in report-data.ts (zod-free, for the browser); these names stay importable here.
export { fromHex, keyIdFor, REPORT_DATA_LABEL, reportDataFor, toHex } from './report-data.ts'

export const RESPONSE_SIGNATURE_LABEL = 'tuxedo/signer/response/v1'

/** Response headers carrying the signature (base64url, 64 bytes), its timestamp (epoch ms) and key id. */
export const SIGNATURE_HEADER = 'x-signer-signature'
export const TIMESTAMP_HEADER = 'x-signer-timestamp'
export const KEY_ID_HEADER = 'x-signer-key-id'

export const ATTESTATION_MODES = ['tdx', 'insecure-dev'] as const
export type AttestationMode = (typeof ATTESTATION_MODES)[number]

const enc = new TextEncoder()

/** The exact bytes signed for one response. */
export function responseSigningMessage(
  requestId: string,
  status: number,
  bodySha256Hex: string,
  timestampMs: number,
): Uint8Array {
  return enc.encode(JSON.stringify([RESPONSE_SIGNATURE_LABEL, requestId, status, bodySha256Hex, timestampMs]))
}

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
  /** The app-compose text exactly as dstack measured it (its SHA-256 is the compose hash); null in insecure-dev. */
  appCompose: z
    .string()
    .max(64 * 1024)
    .nullable(),
})
export type AttestationDocument = z.infer<typeof AttestationDocumentSchema>

export const AttestationResponseSchema = z.strictObject({
  ok: z.literal(true),
  result: AttestationDocumentSchema,
})
