/**
 * A stand-in for the dstack guest agent that speaks its HTTP protocol (the one @phala/dstack-sdk uses with
 * DSTACK_SIMULATOR_ENDPOINT): POST /GetQuote {report_data} → {quote, event_log}, POST /Info → app info,
 * POST /GetKey {path, purpose, algorithm} → {key, signature_chain}. Quotes are real DCAP quotes under the test
 * root CA, with the requested report data, and the event log replays to the quoted RTMR3 the way dstack's
 * does. Keys are derived like the KMS's: deterministic per (KMS root, app id, path), so a restarted signer of
 * the same app gets the same key and another app or path another one; `kms` can make GetKey misbehave.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  DSTACK_RUNTIME_EVENT_TYPE,
  replayRtmr,
  runtimeEventDigest,
} from '../../../edge/attestation/event-log.ts'
import { fromHex, toHex } from '../../../shared/attestation.ts'
import type { TestDcap } from './forge.ts'

export type AppMeasurements = {
  readonly mrtd: string
  readonly rtmr0: string
  readonly rtmr1: string
  readonly rtmr2: string
  readonly appId: string
  readonly composeHash: string
  readonly instanceId: string
}

export const TEST_MEASUREMENTS: AppMeasurements = {
  mrtd: 'a1'.repeat(48),
  rtmr0: 'b0'.repeat(48),
  rtmr1: 'b1'.repeat(48),
  rtmr2: 'b2'.repeat(48),
  appId: `${'c0ffee'.repeat(3)}00`,
  composeHash: 'd0'.repeat(32),
  instanceId: 'e1'.repeat(20),
}

export type Evidence = { readonly quote: string; readonly eventLog: string; readonly rtmr3: string }

/** The quote and event log a dstack CVM running `m` would produce for `reportData`. */
export function evidenceFor(dcap: TestDcap, m: AppMeasurements, reportData: Uint8Array): Evidence {
  const events = (
    [
      ['app-id', m.appId],
      ['compose-hash', m.composeHash],
      ['instance-id', m.instanceId],
      ['boot-mr-done', ''],
    ] as const
  ).map(([event, payloadHex]) => ({
    imr: 3,
    event_type: DSTACK_RUNTIME_EVENT_TYPE,
    digest: toHex(
      runtimeEventDigest(DSTACK_RUNTIME_EVENT_TYPE, event, fromHex(payloadHex) ?? new Uint8Array(0)),
    ),
    event,
    event_payload: payloadHex,
  }))
  const rtmr3 = replayRtmr(events.map((e) => fromHex(e.digest) ?? new Uint8Array(0)))
  const quote = dcap.quote({
    mrtd: m.mrtd,
    rtmr0: m.rtmr0,
    rtmr1: m.rtmr1,
    rtmr2: m.rtmr2,
    rtmr3,
    reportData,
  })
  return { quote: toHex(quote), eventLog: JSON.stringify(events), rtmr3 }
}

export type KmsBehaviour = 'ok' | 'refuse' | 'short' | 'zeros'
export type KeyRequest = { readonly path: string; readonly purpose: string; readonly algorithm: string }
export type DstackStub = {
  readonly url: string
  /** Every GetKey the stub answered (or refused), in order. */
  readonly keyRequests: KeyRequest[]
  close(): Promise<void>
}

export async function startDstackStub(
  dcap: TestDcap,
  m: AppMeasurements = TEST_MEASUREMENTS,
  opts: { kmsRoot?: Uint8Array; kms?: KmsBehaviour } = {},
): Promise<DstackStub> {
  const kmsRoot = opts.kmsRoot ?? new Uint8Array(randomBytes(32))
  const keyRequests: KeyRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        report_data?: string
        path?: string
        purpose?: string
        algorithm?: string
      }
      let reply: unknown
      if (req.url === '/GetKey') {
        keyRequests.push({
          path: body.path ?? '',
          purpose: body.purpose ?? '',
          algorithm: body.algorithm ?? '',
        })
        if (opts.kms === 'refuse') {
          res.writeHead(500).end('{"error":"kms unavailable"}')
          return
        }
        const key = createHmac('sha256', kmsRoot)
          .update(`${m.appId}\n${body.path ?? ''}`)
          .digest()
        const material =
          opts.kms === 'short' ? key.subarray(0, 16) : opts.kms === 'zeros' ? Buffer.alloc(32) : key
        reply = { key: material.toString('hex'), signature_chain: [randomBytes(65).toString('hex')] }
      } else if (req.url === '/GetQuote') {
        const rd = new Uint8Array(64)
        rd.set(fromHex(body.report_data ?? '') ?? new Uint8Array(0))
        const e = evidenceFor(dcap, m, rd)
        reply = { quote: e.quote, event_log: e.eventLog, report_data: toHex(rd), vm_config: '{}' }
      } else if (req.url === '/Info') {
        reply = {
          app_id: m.appId,
          instance_id: m.instanceId,
          app_cert: '',
          app_name: 'tuxedo-signer',
          device_id: '',
          key_provider_info: '',
          compose_hash: m.composeHash,
          tcb_info: JSON.stringify({ mrtd: m.mrtd, compose_hash: m.composeHash }),
        }
      } else {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    keyRequests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
