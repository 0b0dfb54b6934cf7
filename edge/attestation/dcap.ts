/**
 * The real verifier: @phala/dcap-qvl with Intel's root CA, or a given one (tests build quotes under a test
 * root). Its own module so the Worker loads the library (elliptic, bn.js, ASN.1: a measurable part of start-up)
 * only when a quote is first verified, not on every cold start.
 *
 * The PCK chain verified is always the quote's own (quote-layout.ts): dcap-qvl prefers a chain found in the
 * collateral, so a cached collateral from another host, or one a PCCS filled in, would otherwise decide which
 * PCK certificate vouches for this quote.
 */
import { Buffer } from 'node:buffer'
import { sha256 } from '@noble/hashes/sha2'
import { type Collateral, getCollateral, QuoteVerifier, utils } from '@phala/dcap-qvl'
import { toHex } from '../../shared/attestation.ts'
import type { QuoteVerifierFn } from './quote.ts'
import { readQuoteLayout } from './quote-layout.ts'

/** Which platform a quote comes from: the key of the collateral cache (collateral.ts). */
export type PckIdentity = {
  /** Upper-case hex, as Intel's TCB info spells it. */
  readonly fmspc: string
  /** SHA-256 of the PCK leaf certificate (DER), hex: one per platform (and per TCB recovery). */
  readonly pckCertSha256: string
  readonly pckChainPem: string
}

export function pckIdentity(quote: Uint8Array): PckIdentity {
  const layout = readQuoteLayout(quote)
  if (!layout.ok) throw new Error(layout.error.detail)
  const [leaf] = utils.extractCerts(Buffer.from(layout.value.pckChainPem))
  if (!leaf) throw new Error('malformed quote: no PCK certificate')
  const fmspc = toHex(new Uint8Array(utils.getFmspc(utils.getIntelExtension(leaf)))).toUpperCase()
  return { fmspc, pckCertSha256: toHex(sha256(new Uint8Array(leaf))), pckChainPem: layout.value.pckChainPem }
}

/** Intel's collateral for this quote's platform from a PCCS (by the FMSPC and CA of its PCK chain). */
export const fetchCollateral = (pccsUrl: string, quote: Uint8Array): Promise<Collateral> =>
  getCollateral(pccsUrl, quote)

/** dcap-qvl with a given root CA (DER); undefined = Intel's SGX root CA. */
export function dcapVerifier(rootCaDer?: Uint8Array): QuoteVerifierFn {
  const verifier = rootCaDer ? QuoteVerifier.newWithRootCa(Buffer.from(rootCaDer)) : QuoteVerifier.newProd()
  return (quote, collateral, nowSecs) => {
    const layout = readQuoteLayout(quote)
    if (!layout.ok) throw new Error(layout.error.detail)
    const own = { ...collateral, pck_certificate_chain: layout.value.pckChainPem }
    const r = verifier.verify(quote, own, nowSecs)
    const td = r.report.asTd10()
    if (!td) throw new Error('not a TDX report')
    return {
      status: String(r.status),
      advisoryIds: [...r.advisory_ids],
      td: {
        mrtd: toHex(td.mrTd),
        rtmr0: toHex(td.rtMr0),
        rtmr1: toHex(td.rtMr1),
        rtmr2: toHex(td.rtMr2),
        rtmr3: toHex(td.rtMr3),
        reportData: toHex(td.reportData),
      },
    }
  }
}
