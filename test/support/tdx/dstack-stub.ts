/**
 * A stand-in for the dstack guest agent that speaks its HTTP protocol (the one @phala/dstack-sdk uses with
 * DSTACK_SIMULATOR_ENDPOINT): POST /GetQuote {report_data} → {quote, event_log}, POST /Info → app info with
 * tcb_info (whose app_compose is the raw text dstack hashed), POST /GetKey {path, purpose, algorithm} → {key,
 * signature_chain}. Quotes are real DCAP quotes under the test root
 * CA, with the requested report data. The event log has the shape of a real one (see
 * ../shared/fixtures/attestation/dstack-near-mpc/): firmware events in RTMR0–2 with their digests, and dstack's
 * runtime events in RTMR3 in dstack's order, their digests emptied as GetQuote returns them (`stripped`).
 * Keys are derived like the KMS's: deterministic per (KMS root, app id, path), so a restarted signer of the
 * same app gets the same key and another app or path another one; `kms` can make GetKey misbehave.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  DSTACK_RUNTIME_EVENT_TYPE,
  type EventLogVersion,
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
  /** Measured as the compose-hash event; sha256(appCompose) unless a test forges another. */
  readonly composeHash: string
  readonly appCompose: string
  readonly instanceId: string
  readonly osImageHash: string
  readonly keyProvider: { readonly name: string; readonly id: string }
}

const sha384 = (s: string) => createHash('sha384').update(s).digest()
/** Three firmware events per boot register, as TCG logs them (type, digest; payload stripped). */
const BOOT_EVENTS = [0, 1, 2].flatMap((imr) =>
  [0x80000001, 0x80000007, 0x4].map((event_type, k) => ({
    imr,
    event_type,
    digest: toHex(sha384(`tuxedo test firmware ${imr}.${k}`)),
    event: '',
    event_payload: '',
  })),
)
const bootRtmr = (imr: number) =>
  replayRtmr(BOOT_EVENTS.filter((e) => e.imr === imr).map((e) => fromHex(e.digest) ?? new Uint8Array(0)))

export const testAppCompose = (eventLogVersion?: 2): string =>
  `${JSON.stringify(
    {
      manifest_version: 2,
      name: 'tuxedo-signer',
      runner: 'docker-compose',
      docker_compose_file: `services:\n  signer:\n    image: tuxedo/signer@sha256:${'ab'.repeat(32)}\n`,
      kms_enabled: true,
      ...(eventLogVersion ? { event_log_version: eventLogVersion } : {}),
    },
    null,
    4,
  )}\n`

const TEST_COMPOSE = testAppCompose()

export const TEST_MEASUREMENTS: AppMeasurements = {
  mrtd: 'a1'.repeat(48),
  rtmr0: bootRtmr(0),
  rtmr1: bootRtmr(1),
  rtmr2: bootRtmr(2),
  appId: `${'c0ffee'.repeat(3)}00`,
  appCompose: TEST_COMPOSE,
  composeHash: createHash('sha256').update(TEST_COMPOSE).digest('hex'),
  instanceId: 'e1'.repeat(20),
  osImageHash: '0e'.repeat(32),
  keyProvider: { name: 'kms', id: 'f7'.repeat(33) },
}

export type Evidence = { readonly quote: string; readonly eventLog: string; readonly rtmr3: string }

const hexOf = (s: string) => Buffer.from(s, 'utf8').toString('hex')

/** dstack's runtime events for `m`, in its order, plus what an application adds after system-ready. */
export function runtimeEventsFor(m: AppMeasurements): [string, string][] {
  return [
    ['system-preparing', ''],
    ['app-id', m.appId],
    ['compose-hash', m.composeHash],
    ['instance-id', m.instanceId],
    ['boot-mr-done', ''],
    ['os-image-hash', m.osImageHash],
    ['key-provider', hexOf(JSON.stringify(m.keyProvider))],
    ['storage-fs', hexOf('ext4')],
    ['system-ready', ''],
    ['tuxedo-signer-started', hexOf('v1')],
  ]
}

export type LogOptions = {
  /** Keep the runtime digests (the form dstack writes to disk) instead of emptying them as GetQuote does. */
  readonly keepDigests?: boolean
  readonly version?: EventLogVersion
  /** Replace dstack's runtime events (a test building a deviant log). */
  readonly runtime?: readonly (readonly [string, string])[]
}

/** The quote and event log a dstack CVM running `m` would produce for `reportData`. */
export function evidenceFor(
  dcap: TestDcap,
  m: AppMeasurements,
  reportData: Uint8Array,
  opts: LogOptions = {},
): Evidence {
  const version = opts.version ?? 1
  const runtime = (opts.runtime ?? runtimeEventsFor(m)).map(([event, payloadHex]) => {
    const digest = runtimeEventDigest(version, event, fromHex(payloadHex) ?? new Uint8Array(0))
    return {
      imr: 3,
      event_type: DSTACK_RUNTIME_EVENT_TYPE,
      digest: opts.keepDigests ? toHex(digest) : '',
      event,
      event_payload: payloadHex,
      ...(version === 2 ? { version: 2 } : {}),
      computed: digest,
    }
  })
  const rtmr3 = replayRtmr(runtime.map((e) => e.computed))
  const quote = dcap.quote({
    mrtd: m.mrtd,
    rtmr0: m.rtmr0,
    rtmr1: m.rtmr1,
    rtmr2: m.rtmr2,
    rtmr3,
    reportData,
  })
  const events = [...BOOT_EVENTS, ...runtime.map(({ computed: _, ...e }) => e)]
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
          tcb_info: JSON.stringify({
            mrtd: m.mrtd,
            compose_hash: m.composeHash,
            os_image_hash: m.osImageHash,
            app_compose: m.appCompose,
          }),
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
