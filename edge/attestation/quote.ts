/**
 * Checks one TDX quote, purely: DCAP signature chain and collateral (@phala/dcap-qvl), TCB status against an
 * allow-list, the report data against the signer's response key, and MRTD/RTMR0-2 (RTMR3 if pinned) against
 * the values pinned for this environment. Time, collateral and the root of trust are arguments, so the same
 * code runs on the real fixture at a fixed "now" and on test quotes under a test root CA.
 */
import type { Collateral } from '@phala/dcap-qvl'
import { toHex } from '../../shared/attestation.ts'
import { err, ok, type Result } from '../../shared/result.ts'

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

/** The pinned measurements, lower-case hex. RTMR3 carries the instance id, so it is usually replayed, not pinned. */
export type MeasurementPins = {
  readonly mrtd: string
  readonly rtmr0: string
  readonly rtmr1: string
  readonly rtmr2: string
  readonly rtmr3?: string | undefined
  readonly composeHash: string
  readonly appId: string
}

export type QuotePolicy = {
  readonly allowedTcbStatuses: readonly string[]
  readonly pins: MeasurementPins
}

export type QuoteProblem = { readonly check: string; readonly detail: string }

const PINNED_REGISTERS = ['mrtd', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3'] as const

export function verifyQuote(
  quote: Uint8Array,
  collateral: Collateral,
  nowSecs: number,
  expectedReportData: Uint8Array,
  policy: QuotePolicy,
  verifier: QuoteVerifierFn,
): Result<DcapReport, QuoteProblem> {
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
  // Binds the quote to the key that signs responses: a genuine quote for another key is worthless here.
  if (report.td.reportData !== toHex(expectedReportData)) {
    return err({ check: 'report-data', detail: 'report data does not commit to the response key' })
  }
  // Stops a genuine TDX VM running other code (another image, kernel, or command line).
  for (const reg of PINNED_REGISTERS) {
    const pinned = policy.pins[reg]
    if (pinned !== undefined && report.td[reg] !== pinned.toLowerCase()) {
      return err({ check: reg, detail: `${reg} does not match the pinned value` })
    }
  }
  return ok(report)
}
