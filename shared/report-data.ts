/**
 * What a TDX quote's REPORTDATA commits to, and the hex helpers: zod-free, so the browser can check the
 * binding (edge/web/seal.ts) without bundling schema code. shared/attestation.ts builds the wire contract on it.
 * report data = SHA-512("tuxedo/signer/attestation-key/v2" ‖ 0x00 ‖ Ed25519 response key ‖ X25519 HPKE key).
 */
import { sha512 } from '@noble/hashes/sha2'

export const REPORT_DATA_LABEL = 'tuxedo/signer/attestation-key/v2'
const KEY_ID_LABEL = 'tuxedo/signer/response-key-id/v1'

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
