/**
 * The real verifier: @phala/dcap-qvl with Intel's root CA, or a given one (tests build quotes under a test
 * root). Its own module so the Worker loads the library (elliptic, bn.js, ASN.1: a measurable part of start-up)
 * only when a quote is first verified, not on every cold start.
 */
import { Buffer } from 'node:buffer'
import { QuoteVerifier } from '@phala/dcap-qvl'
import { toHex } from '../../shared/attestation.ts'
import type { QuoteVerifierFn } from './quote.ts'

/** dcap-qvl with a given root CA (DER); undefined = Intel's SGX root CA. */
export function dcapVerifier(rootCaDer?: Uint8Array): QuoteVerifierFn {
  const verifier = rootCaDer ? QuoteVerifier.newWithRootCa(Buffer.from(rootCaDer)) : QuoteVerifier.newProd()
  return (quote, collateral, nowSecs) => {
    const r = verifier.verify(quote, collateral, nowSecs)
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
