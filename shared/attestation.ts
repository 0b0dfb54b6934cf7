/**
 * The attestation contract between signer and edge, in one place so the two sides cannot drift:
 * - report data = SHA-512("tuxedo/signer/attestation-key/v2" ‖ 0x00 ‖ Ed25519 public key ‖ X25519 public key),
 *   all 64 bytes of the TDX REPORTDATA field, so a quote vouches for exactly one response key and exactly one
 *   seed-sealing (HPKE) key: neither can be swapped without the other (both are fixed-length, 32 bytes);
 * - every RPC response is signed by that key over JSON ["tuxedo/signer/response/v2", requestId, status,
 *   hex SHA-256(body), timestamp, auditHead] (a JSON array: no field can be shifted into another by a
 *   separator), auditHead being [seq, hash] of the audit chain after the request's transaction, or null for
 *   a reply that never reached it; it travels in `x-signer-audit-head: <seq>:<hash>` (absent when null).
 *   v1 (no head) is not accepted: the label differs, so a v1 signature never verifies as a v2 one;
 * - `GET /v1/attestation` answers the document below.
 * Web APIs and @noble only: this runs in workerd and in Node.
 */
import { z } from 'zod'

// The binding itself lives in report-data.ts (zod-free, for the browser); these names stay importable here.
export { fromHex, keyIdFor, REPORT_DATA_LABEL, reportDataFor, toHex } from './report-data.ts'

export const RESPONSE_SIGNATURE_LABEL = 'tuxedo/signer/response/v2'

/** Response headers carrying the signature (base64url, 64 bytes), its timestamp (epoch ms) and key id. */
export const SIGNATURE_HEADER = 'x-signer-signature'
export const TIMESTAMP_HEADER = 'x-signer-timestamp'
export const KEY_ID_HEADER = 'x-signer-key-id'
/** The audit chain's head the response commits to: `<seq>:<64 hex hash>` (decimal seq from 1). */
export const AUDIT_HEAD_HEADER = 'x-signer-audit-head'

/** The newest entry of the signer's audit chain (the signer's store/types.ts AuditHead, on the wire). */
export type SignedAuditHead = { readonly seq: number; readonly hash: string }

export const formatAuditHead = (head: SignedAuditHead): string => `${head.seq}:${head.hash}`

const AUDIT_HEAD = /^([1-9][0-9]{0,15}):([0-9a-f]{64})$/

/** Strict: one canonical spelling (no sign, no leading zero, lower-case hex), a safe integer seq. */
export function parseAuditHead(value: string): SignedAuditHead | undefined {
  const m = AUDIT_HEAD.exec(value)
  if (!m?.[1] || !m[2]) return undefined
  const seq = Number(m[1])
  return Number.isSafeInteger(seq) ? { seq, hash: m[2] } : undefined
}

export const ATTESTATION_MODES = ['tdx', 'insecure-dev'] as const
export type AttestationMode = (typeof ATTESTATION_MODES)[number]

const enc = new TextEncoder()

/** The exact bytes signed for one response. */
export function responseSigningMessage(
  requestId: string,
  status: number,
  bodySha256Hex: string,
  timestampMs: number,
  auditHead: SignedAuditHead | undefined,
): Uint8Array {
  const head = auditHead ? [auditHead.seq, auditHead.hash] : null
  return enc.encode(
    JSON.stringify([RESPONSE_SIGNATURE_LABEL, requestId, status, bodySha256Hex, timestampMs, head]),
  )
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
