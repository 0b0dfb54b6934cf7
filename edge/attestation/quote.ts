/**
 * Checks one TDX quote, purely: DCAP signature chain and collateral (@phala/dcap-qvl), TCB status against an
 * allow-list, Intel advisories against a deny-list, and the report data against the signer's response key.
 * The measurements are compared afterwards (pins.ts), once the event log has been replayed. Time, collateral and the root of trust are arguments, so the same
 * code runs on the real fixture at a fixed "now" and on test quotes under a test root CA.
 */
import type { Collateral } from '@phala/dcap-qvl'
import { toHex } from '../../shared/attestation.ts'
import { err, ok, type Result } from '../../shared/result.ts'
import { readQuoteLayout } from './quote-layout.ts'

export type TdRegisters = {
  readonly mrtd: string
  readonly rtmr0: string
  readonly rtmr1: string
  readonly rtmr2: string
  readonly rtmr3: string
  readonly reportData: string
}

/** What a successful DCAP verification tells us. */
export type DcapReport = {
  readonly status: string
  readonly advisoryIds: readonly string[]
  readonly td: TdRegisters
}

/** The seam: the real dcap-qvl in production, the same library under a test root CA in tests. */
export type QuoteVerifierFn = (quote: Uint8Array, collateral: Collateral, nowSecs: number) => DcapReport

export type QuotePolicy = {
  readonly allowedTcbStatuses: readonly string[]
  /** Intel advisory ids (INTEL-SA-…) that make a platform unacceptable whatever its TCB status. */
  readonly deniedAdvisoryIds: readonly string[]
}

export type QuoteProblem = { readonly check: string; readonly detail: string }

export function verifyQuote(
  quote: Uint8Array,
  collateral: Collateral,
  nowSecs: number,
  expectedReportData: Uint8Array,
  policy: QuotePolicy,
  verifier: QuoteVerifierFn,
): Result<DcapReport, QuoteProblem> {
  // Shape before cryptography: lengths, types and padding of a TDX v4 quote with its PCK chain embedded.
  const layout = readQuoteLayout(quote)
  if (!layout.ok) return layout
  let report: DcapReport
  try {
    report = verifier(quote, collateral, nowSecs)
  } catch (e) {
    // dcap-qvl's messages name the failed step ("TCBInfo expired", "ISV enclave report signature is invalid").
    return err({ check: 'quote', detail: e instanceof Error ? e.message : 'verification failed' })
  }
  // A platform with a known-vulnerable TCB verifies "successfully" with a worse status; the allow-list stops it.
  if (!policy.allowedTcbStatuses.includes(report.status)) {
    return err({ check: 'tcb', detail: `TCB status ${report.status} is not allowed` })
  }
  // A status on the allow-list can still carry advisories (SWHardeningNeeded lists the ones it mitigates in
  // software); an advisory the operator has decided is fatal refuses the platform whatever the status.
  const denied = report.advisoryIds.filter((id) => policy.deniedAdvisoryIds.includes(id.toUpperCase()))
  if (denied.length > 0)
    return err({ check: 'advisory', detail: `platform is affected by ${denied.join(', ')}` })
  // Binds the quote to the key that signs responses: a genuine quote for another key is worthless here.
  if (report.td.reportData !== toHex(expectedReportData)) {
    return err({ check: 'report-data', detail: 'report data does not commit to the response key' })
  }
  return ok(report)
}
