/**
 * The response-signing key: Ed25519, generated at start, held only in this process's memory (never written,
 * never exported, gone on restart). Its public key is what the TDX quote's report data commits to, so a
 * signature by it means "the attested signer said this".
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import {
  AUDIT_HEAD_HEADER,
  formatAuditHead,
  KEY_ID_HEADER,
  keyIdFor,
  responseSigningMessage,
  SIGNATURE_HEADER,
  type SignedAuditHead,
  TIMESTAMP_HEADER,
} from '../../shared/attestation.ts'

export type ResponseKey = {
  readonly publicKey: Uint8Array
  readonly keyId: string
  /**
   * Headers carrying the signature over (requestId, status, SHA-256(body), timestamp, audit head) and the
   * head itself: a database rolled back under this process cannot be hidden from the edge.
   */
  signatureHeaders(
    requestId: string,
    status: number,
    body: string,
    nowMs: number,
    auditHead?: SignedAuditHead,
  ): Record<string, string>
}

export function createResponseKey(): ResponseKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  // SPKI for Ed25519 is a fixed 12-byte prefix followed by the 32-byte key.
  const raw = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }).subarray(12))
  const keyId = keyIdFor(raw)
  return {
    publicKey: raw,
    keyId,
    signatureHeaders(requestId, status, body, nowMs, auditHead) {
      const bodyHash = createHash('sha256').update(body).digest('hex')
      const message = responseSigningMessage(requestId, status, bodyHash, nowMs, auditHead)
      const sig = sign(null, message, privateKey)
      return {
        [SIGNATURE_HEADER]: sig.toString('base64url'),
        [TIMESTAMP_HEADER]: String(nowMs),
        [KEY_ID_HEADER]: keyId,
        ...(auditHead ? { [AUDIT_HEAD_HEADER]: formatAuditHead(auditHead) } : {}),
      }
    },
  }
}
