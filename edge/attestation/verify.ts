/**
 * From an attestation document to a trusted response key, purely. In `tdx` the quote must verify, commit to
 * the document's key, carry the pinned registers, and its RTMR3 must replay the event log whose compose hash
 * and app id match the pins. In `insecure-dev` (development only, refused by config elsewhere) the key is
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
import { verifyEventLog } from './event-log.ts'
import { type QuotePolicy, type QuoteProblem, type QuoteVerifierFn, verifyQuote } from './quote.ts'

export type TrustedSigner = {
  readonly mode: AttestationMode
  readonly publicKey: Uint8Array
  /** The seed-sealing (HPKE) key the quote binds together with the response key. */
  readonly hpkePublicKey: Uint8Array
  readonly tcbStatus: string | null
  readonly advisoryIds: readonly string[]
  readonly composeHash: string | null
  readonly appId: string | null
}

export type AttestationPolicy = QuotePolicy & { readonly mode: AttestationMode }

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
    })
  }
  // A signer that says it is not in a TEE is not trusted by an edge that requires one.
  if (doc.mode !== 'tdx' || doc.quote === null || doc.eventLog === null) {
    return err({ check: 'mode', detail: `signer reports ${doc.mode} without a quote; tdx is required` })
  }
  const quote = fromHex(doc.quote)
  if (!quote) return err({ check: 'document', detail: 'quote is not hex' })
  let collateral: Collateral
  try {
    collateral = await deps.collateral(quote)
  } catch (e) {
    return err({ check: 'collateral', detail: e instanceof Error ? e.message : 'collateral unavailable' })
  }
  const report = verifyQuote(
    quote,
    collateral,
    deps.nowSecs,
    reportDataFor(publicKey, hpkePublicKey),
    policy,
    deps.verifier,
  )
  if (!report.ok) return report
  const app = verifyEventLog(doc.eventLog, report.value.td.rtmr3)
  if (!app.ok) return app
  // Which docker-compose (and so which image digests) the CVM booted, and under which app: the code we ship.
  if (app.value.composeHash !== policy.pins.composeHash.toLowerCase()) {
    return err({ check: 'compose-hash', detail: 'compose hash does not match the pinned value' })
  }
  if (app.value.appId !== policy.pins.appId.toLowerCase()) {
    return err({ check: 'app-id', detail: 'app id does not match the pinned value' })
  }
  return ok({
    mode: 'tdx',
    publicKey,
    hpkePublicKey,
    tcbStatus: report.value.status,
    advisoryIds: report.value.advisoryIds,
    composeHash: app.value.composeHash,
    appId: app.value.appId,
  })
}
