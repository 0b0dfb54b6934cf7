/**
 * The attestation document the signer serves at `GET /v1/attestation`. In `tdx` it asks the dstack guest
 * agent (unix socket /var/run/dstack.sock, or DSTACK_SIMULATOR_ENDPOINT) for a quote whose report data is
 * reportDataFor(response key, HPKE key), once at start: the keys never change, so neither does the quote. The event log
 * is passed on as the agent returns it (runtime digests emptied: the edge recomputes them), with the raw
 * app-compose text from Info, whose hash and event_log_version the edge needs.
 * In `insecure-dev` there is no quote, and the document says so.
 */
import { DstackClient } from '@phala/dstack-sdk'
import {
  type AttestationDocument,
  type AttestationMode,
  reportDataFor,
  toHex,
} from '../../shared/attestation.ts'

export type EvidenceOptions = {
  readonly mode: AttestationMode
  /** Guest agent endpoint (socket path or http URL); undefined = the SDK's default lookup. */
  readonly dstackEndpoint: string | undefined
}

export async function collectEvidence(
  publicKey: Uint8Array,
  hpkePublicKey: Uint8Array,
  opts: EvidenceOptions,
): Promise<AttestationDocument> {
  const publicKeyHex = toHex(publicKey)
  const hpkePublicKeyHex = toHex(hpkePublicKey)
  if (opts.mode === 'insecure-dev') {
    return {
      mode: 'insecure-dev',
      publicKey: publicKeyHex,
      hpkePublicKey: hpkePublicKeyHex,
      quote: null,
      eventLog: null,
      appId: null,
      composeHash: null,
      appCompose: null,
    }
  }
  const client = new DstackClient(opts.dstackEndpoint)
  const quote = await client.getQuote(reportDataFor(publicKey, hpkePublicKey))
  const info = await client.info()
  return {
    mode: 'tdx',
    publicKey: publicKeyHex,
    hpkePublicKey: hpkePublicKeyHex,
    quote: quote.quote.toLowerCase().replace(/^0x/, ''),
    eventLog: quote.event_log,
    appId: info.app_id,
    composeHash: info.compose_hash,
    // The exact text dstack hashed: the edge checks sha256(appCompose) against the measured compose-hash.
    appCompose: info.tcb_info.app_compose,
  }
}
