/**
 * From an attestation document to a trusted response key, purely. In `tdx`: the quote must verify (DCAP, TCB
 * status, advisories) and commit to the document's key; the event log must replay to the quoted RTMR0–3
 * (runtime digests recomputed); the identity read from it must be dstack's (identity.ts); the app compose text
 * must hash to the measured compose hash; and the whole must match one accepted measurement set (pins.ts). In `insecure-dev` (development only, refused by config elsewhere) the key is
 * taken on faith and the result says so.
 */
import type { Collateral } from '@phala/dcap-qvl'
import {
  type AttestationDocument,
  type AttestationMode,
  fromHex,
  reportDataFor,
} from '../../shared/attestation.ts'
import { err, ok, type Result } from '../../shared/result.ts'
import { readAppCompose } from './app-compose.ts'
import { CollateralProblem } from './collateral.ts'
import { replayEventLog } from './event-log.ts'
import { type KeyProvider, readIdentity } from './identity.ts'
import { type MeasurementPins, matchPins } from './pins.ts'
import {
  type DcapReport,
  type QuotePolicy,
  type QuoteProblem,
  type QuoteVerifierFn,
  verifyQuote,
} from './quote.ts'

export type TrustedSigner = {
  readonly mode: AttestationMode
  readonly publicKey: Uint8Array
  /** The seed-sealing (HPKE) key the quote binds together with the response key. */
  readonly hpkePublicKey: Uint8Array
  readonly tcbStatus: string | null
  readonly advisoryIds: readonly string[]
  readonly composeHash: string | null
  readonly appId: string | null
  readonly keyProvider: KeyProvider | null
  /** The label of the measurement set it matched. */
  readonly release: string | null
}

export type AttestationPolicy = QuotePolicy & {
  readonly mode: AttestationMode
  /** Accepted releases: one normally, two while rotating (docs/deploy.md). */
  readonly pins: readonly MeasurementPins[]
}

export type AttestationDeps = {
  readonly verifier: QuoteVerifierFn
  /** Collateral for this quote (from the PCCS, cached by the caller). */
  readonly collateral: (quote: Uint8Array) => Promise<Collateral>
  readonly nowSecs: number
}

export async function verifyAttestation(
  doc: AttestationDocument,
  policy: AttestationPolicy,
  deps: AttestationDeps,
): Promise<Result<TrustedSigner, QuoteProblem>> {
  const publicKey = fromHex(doc.publicKey)
  if (publicKey?.length !== 32) return err({ check: 'document', detail: 'bad public key' })
  const hpkePublicKey = fromHex(doc.hpkePublicKey)
  if (hpkePublicKey?.length !== 32) return err({ check: 'document', detail: 'bad hpke public key' })
  if (policy.mode === 'insecure-dev') {
    return ok({
      mode: 'insecure-dev',
      publicKey,
      hpkePublicKey,
      tcbStatus: null,
      advisoryIds: [],
      composeHash: null,
      appId: null,
      keyProvider: null,
      release: null,
    })
  }
  // A signer that says it is not in a TEE is not trusted by an edge that requires one.
  if (doc.mode !== 'tdx' || doc.quote === null || doc.eventLog === null || doc.appCompose === null) {
    return err({ check: 'mode', detail: `signer reports ${doc.mode} without a quote; tdx is required` })
  }
  const quote = fromHex(doc.quote)
  if (!quote) return err({ check: 'document', detail: 'quote is not hex' })
  const evidence = { quote, eventLog: doc.eventLog, appCompose: doc.appCompose }
  const r = await verifyEvidence(evidence, reportDataFor(publicKey, hpkePublicKey), policy, deps)
  if (!r.ok) return r
  return ok({ mode: 'tdx', publicKey, hpkePublicKey, ...r.value })
}

/** What a dstack CVM publishes about itself: its quote, its event log and the app compose it booted. */
export type DstackEvidence = {
  readonly quote: Uint8Array
  readonly eventLog: string
  readonly appCompose: string
}

export type VerifiedApp = Omit<TrustedSigner, 'mode' | 'publicKey' | 'hpkePublicKey'>

/** The whole chain for one piece of evidence: dcap-qvl → TCB status → RTMRs → identity → pins. */
export async function verifyEvidence(
  evidence: DstackEvidence,
  expectedReportData: Uint8Array,
  policy: QuotePolicy & { readonly pins: readonly MeasurementPins[] },
  deps: AttestationDeps,
): Promise<Result<VerifiedApp, QuoteProblem>> {
  let collateral: Collateral
  try {
    collateral = await deps.collateral(evidence.quote)
  } catch (e) {
    if (e instanceof CollateralProblem) return err(e.problem)
    return err({ check: 'collateral', detail: e instanceof Error ? e.message : 'collateral unavailable' })
  }
  const report = verifyQuote(
    evidence.quote,
    collateral,
    deps.nowSecs,
    expectedReportData,
    policy,
    deps.verifier,
  )
  if (!report.ok) return report
  return checkMeasurements(report.value, evidence, policy.pins)
}

/** After DCAP, purely: replay the log against the quoted RTMRs, read the identity, compare with the pins. */
export function checkMeasurements(
  report: DcapReport,
  evidence: Omit<DstackEvidence, 'quote'>,
  pinSets: readonly MeasurementPins[],
): Result<VerifiedApp, QuoteProblem> {
  const compose = readAppCompose(evidence.appCompose)
  if (!compose.ok) return compose
  const log = replayEventLog(evidence.eventLog, compose.value.eventLogVersion)
  if (!log.ok) return log
  const { td } = report
  // Stops an edited log: any added, dropped, reordered or altered event changes a replayed register.
  const quoted = [td.rtmr0, td.rtmr1, td.rtmr2, td.rtmr3]
  for (const [i, replayed] of log.value.rtmrs.entries()) {
    if (replayed !== quoted[i]) {
      return err({ check: 'event-log', detail: `event log does not replay to the quoted RTMR${i}` })
    }
  }
  const app = readIdentity(log.value.runtime)
  if (!app.ok) return app
  // The compose text shown must be the one measured, byte for byte.
  if (compose.value.hash !== app.value.composeHash) {
    return err({ check: 'app-compose', detail: 'app compose does not hash to the measured compose-hash' })
  }
  const pins = matchPins(pinSets, td, app.value)
  if (!pins.ok) return pins
  return ok({
    tcbStatus: report.status,
    advisoryIds: report.advisoryIds,
    composeHash: app.value.composeHash,
    appId: app.value.appId,
    keyProvider: app.value.keyProvider,
    release: pins.value.name ?? null,
  })
}
