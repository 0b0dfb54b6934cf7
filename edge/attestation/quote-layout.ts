/**
 * Strict layout of a TDX v4 quote before any cryptography (jose's rule: check the input's shape first).
 *
 *   header 48 ‖ TD report 584 ‖ u32 sigLen ‖ ECDSA sig 64 ‖ attestation key 64 ‖ u16 certType=6 ‖ u32 size ‖
 *   QE report 384 ‖ QE report sig 64 ‖ u16 authLen ‖ auth data ‖ u16 certType=5 ‖ u32 size ‖ PCK chain (PEM)
 *   ‖ zero padding (the guest agent pads the quote buffer)
 *
 * dcap-qvl's parser is lenient about the length and type fields and, when the collateral carries a PCK chain,
 * never looks at the quote's own. So: every declared length must fit, the types must be the ones a TDX quote
 * with an embedded PCK chain has, the padding must be zeros, and the chain handed to verification is this one
 * (dcap.ts). Threats stopped: a quote carrying unverified bytes (a smuggled chain, junk after the structure)
 * that verify "successfully", and a collateral cache fooled by a chain that is not the quote's.
 */
import { err, ok, type Result } from '../../shared/result.ts'
import type { QuoteProblem } from './quote.ts'

export const MAX_QUOTE_BYTES = 16 * 1024
const HEADER = 48
const TD_REPORT_10 = 584
const QE_REPORT = 384
const SIG = 64
const TEE_TDX = 0x81
const ATT_KEY_ECDSA_P256 = 2
const CERT_QE_REPORT = 6
const CERT_PCK_CHAIN = 5

export type QuoteLayout = {
  /** The PEM PCK certificate chain embedded in the quote (leaf first). */
  readonly pckChainPem: string
}

const bad = (detail: string): QuoteProblem => ({ check: 'quote', detail: `malformed quote: ${detail}` })

export function readQuoteLayout(q: Uint8Array): Result<QuoteLayout, QuoteProblem> {
  if (q.length > MAX_QUOTE_BYTES) return err(bad('too large'))
  if (q.length < HEADER + TD_REPORT_10 + 4 + 2 * SIG + 6) return err(bad('too short'))
  const v = new DataView(q.buffer, q.byteOffset, q.byteLength)
  if (v.getUint16(0, true) !== 4) return err(bad('not a version 4 quote'))
  if (v.getUint16(2, true) !== ATT_KEY_ECDSA_P256) return err(bad('attestation key is not ECDSA P-256'))
  if (v.getUint32(4, true) !== TEE_TDX) return err(bad('not a TDX quote'))
  let at = HEADER + TD_REPORT_10
  const sigLen = v.getUint32(at, true)
  at += 4
  const sigEnd = at + sigLen
  if (sigEnd > q.length) return err(bad('signature data overruns the quote'))
  at += 2 * SIG
  if (at + 6 > sigEnd) return err(bad('no certification data'))
  if (v.getUint16(at, true) !== CERT_QE_REPORT) return err(bad('certification data is not a QE report'))
  const certEnd = at + 6 + v.getUint32(at + 2, true)
  if (certEnd !== sigEnd) return err(bad('certification data length disagrees with the signature length'))
  at += 6 + QE_REPORT + SIG
  if (at + 2 > certEnd) return err(bad('no QE auth data'))
  at += 2 + v.getUint16(at, true)
  if (at + 6 > certEnd) return err(bad('no PCK certification data'))
  if (v.getUint16(at, true) !== CERT_PCK_CHAIN) return err(bad('PCK chain is not embedded (type 5)'))
  const chainEnd = at + 6 + v.getUint32(at + 2, true)
  if (chainEnd !== certEnd) return err(bad('PCK chain length disagrees with the certification data length'))
  for (let i = sigEnd; i < q.length; i++)
    if (q[i] !== 0) return err(bad('non-zero bytes after the signature'))
  const chain = q.subarray(at + 6, chainEnd)
  let pckChainPem: string
  try {
    pckChainPem = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(chain)
  } catch {
    return err(bad('PCK chain is not text'))
  }
  // A NUL-terminated PEM is how the QE writes it; anything else between certificates is refused.
  const pem = pckChainPem.replace(/\0+$/, '')
  if (!/^(-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?)+$/.test(pem)) {
    return err(bad('PCK chain is not a PEM certificate chain'))
  }
  return ok({ pckChainPem: pem })
}
