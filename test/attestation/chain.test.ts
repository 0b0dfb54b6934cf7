/**
 * The whole chain under a test root CA: a real signer in ATTESTATION_MODE=tdx asks a dstack stand-in (real
 * @phala/dstack-sdk over HTTP) for a quote binding its response key; the edge's verifier (real dcap-qvl,
 * newWithRootCa) accepts it, then checks response signatures. Every deviation is refused: a quote for another
 * key, other measurements or compose hash, an edited event log, a debug TD, a revoked PCK, expired collateral,
 * Intel's root instead of ours, a bad signature, and a response replayed for another request id.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import type { Collateral } from '@phala/dcap-qvl'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dcapVerifier } from '../../edge/attestation/dcap.ts'
import type { MeasurementPins } from '../../edge/attestation/pins.ts'
import { importResponseKey, verifyResponseSignature } from '../../edge/attestation/response-signature.ts'
import { type AttestationPolicy, verifyAttestation } from '../../edge/attestation/verify.ts'
import {
  type AttestationDocument,
  AttestationResponseSchema,
  fromHex,
  reportDataFor,
  SIGNATURE_HEADER,
  toHex,
} from '../../shared/attestation.ts'
import { startTestSigner, type TestSigner, testEnv, testPki } from '../signer/helpers.ts'
import {
  evidenceFor,
  startDstackStub,
  TEST_MEASUREMENTS,
  testAppCompose,
} from '../support/tdx/dstack-stub.ts'
import { createTestDcap } from '../support/tdx/forge.ts'

const dcap = createTestDcap()
const NOW = Math.floor(dcap.now.getTime() / 1000)
const PINS: MeasurementPins = {
  name: 'test release',
  mrtd: TEST_MEASUREMENTS.mrtd,
  rtmr0: TEST_MEASUREMENTS.rtmr0,
  rtmr1: TEST_MEASUREMENTS.rtmr1,
  rtmr2: TEST_MEASUREMENTS.rtmr2,
  osImageHash: TEST_MEASUREMENTS.osImageHash,
  keyProvider: TEST_MEASUREMENTS.keyProvider,
  composeHash: TEST_MEASUREMENTS.composeHash,
  appId: TEST_MEASUREMENTS.appId,
}
const POLICY: AttestationPolicy = {
  mode: 'tdx',
  allowedTcbStatuses: ['UpToDate'],
  deniedAdvisoryIds: [],
  pins: [PINS],
}
const withPins = (over: Partial<MeasurementPins>): AttestationPolicy => ({
  ...POLICY,
  pins: [{ ...PINS, ...over }],
})
const COLLATERAL = dcap.collateral()
const deps = (over: { collateral?: Collateral; nowSecs?: number; root?: 'test' | 'intel' } = {}) => ({
  verifier: dcapVerifier(over.root === 'intel' ? undefined : dcap.root.der),
  collateral: async () => over.collateral ?? COLLATERAL,
  nowSecs: over.nowSecs ?? NOW,
})

type Raw = { status: number; headers: Headers; body: Uint8Array }
function https(port: number, method: string, path: string, body?: string): Promise<Raw> {
  const { pki } = testPki()
  const agent = new Agent({
    ca: readFileSync(pki.caCert),
    cert: readFileSync(pki.clientCert),
    key: readFileSync(pki.clientKey),
  })
  return new Promise((resolve, reject) => {
    request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent,
        servername: 'localhost',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const headers = new Headers()
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v)
          agent.destroy()
          resolve({ status: res.statusCode ?? 0, headers, body: new Uint8Array(Buffer.concat(chunks)) })
        })
      },
    )
      .on('error', reject)
      .end(body)
  })
}

const attestationOf = async (port: number): Promise<AttestationDocument> =>
  AttestationResponseSchema.parse(
    JSON.parse(new TextDecoder().decode((await https(port, 'GET', '/v1/attestation')).body)),
  ).result

let stub: Awaited<ReturnType<typeof startDstackStub>>
let signer: TestSigner
let doc: AttestationDocument

beforeAll(async () => {
  stub = await startDstackStub(dcap)
  signer = await startTestSigner({
    env: testEnv({ ATTESTATION_MODE: 'tdx', DSTACK_SIMULATOR_ENDPOINT: stub.url }),
  })
  doc = await attestationOf(signer.signer.port)
})
afterAll(async () => {
  await signer.stop()
  await stub.close()
})

describe('attested signer under a test root CA', () => {
  it('serves a tdx document whose quote verifies and binds its response key', async () => {
    expect(doc).toMatchObject({ mode: 'tdx', appId: PINS.appId, composeHash: PINS.composeHash })
    // As the guest agent returns it: every runtime digest emptied, so the verifier must recompute them.
    const runtime = (JSON.parse(doc.eventLog ?? '[]') as { imr: number; digest: string }[]).filter(
      (e) => e.imr === 3,
    )
    expect(runtime.length).toBeGreaterThan(8)
    expect(runtime.every((e) => e.digest === '')).toBe(true)
    const r = await verifyAttestation(doc, POLICY, deps())
    expect(r.ok).toBe(true)
    if (r.ok) {
      expect(toHex(r.value.publicKey)).toBe(doc.publicKey)
      expect(r.value).toMatchObject({ mode: 'tdx', tcbStatus: 'UpToDate', composeHash: PINS.composeHash })
    }
  })

  const otherKey = new Uint8Array(randomBytes(32))
  const withEvidence = (e: { quote: string; eventLog: string }): AttestationDocument => ({ ...doc, ...e })
  const forged = (over: Partial<typeof TEST_MEASUREMENTS> = {}, reportData?: Uint8Array, version?: 2) =>
    withEvidence(
      evidenceFor(
        dcap,
        { ...TEST_MEASUREMENTS, ...over },
        reportData ??
          reportDataFor(fromHex(doc.publicKey) ?? otherKey, fromHex(doc.hpkePublicKey) ?? otherKey),
        version ? { version } : {},
      ),
    )

  type Row = [
    string,
    () => AttestationDocument,
    AttestationPolicy,
    ReturnType<typeof deps> | undefined,
    string,
  ]
  const rows: Row[] = [
    [
      'a quote binding another key',
      () => forged({}, reportDataFor(otherKey, fromHex(doc.hpkePublicKey) ?? otherKey)),
      POLICY,
      undefined,
      'report-data',
    ],
    [
      'another key offered with the genuine quote',
      () => ({ ...doc, publicKey: toHex(otherKey) }),
      POLICY,
      undefined,
      'report-data',
    ],
    [
      'a quote binding another HPKE (seed-sealing) key',
      () => forged({}, reportDataFor(fromHex(doc.publicKey) ?? otherKey, otherKey)),
      POLICY,
      undefined,
      'report-data',
    ],
    [
      'another HPKE key offered with the genuine quote (an edge sealing seeds to itself)',
      () => ({ ...doc, hpkePublicKey: toHex(otherKey) }),
      POLICY,
      undefined,
      'report-data',
    ],
    ['another MRTD (another image)', () => forged({ mrtd: 'f0'.repeat(48) }), POLICY, undefined, 'mrtd'],
    // The quote says another kernel, the log still replays the pinned one: the log is not this quote's.
    [
      'another RTMR1 (another kernel)',
      () => forged({ rtmr1: 'f1'.repeat(48) }),
      POLICY,
      undefined,
      'event-log',
    ],
    ['RTMR1 pinned to another kernel', () => doc, withPins({ rtmr1: 'f1'.repeat(48) }), undefined, 'rtmr1'],
    ['RTMR3 pinned to another value', () => doc, withPins({ rtmr3: 'f5'.repeat(48) }), undefined, 'rtmr3'],
    [
      'another compose (its own text and hash, V2 log)',
      () => {
        const text = testAppCompose(2).replace('tuxedo-signer', 'evil-signer')
        const composeHash = createHash('sha256').update(text).digest('hex')
        return { ...forged({ composeHash, appCompose: text }, undefined, 2), appCompose: text }
      },
      POLICY,
      undefined,
      'compose-hash',
    ],
    [
      'a compose text other than the one measured',
      () => ({ ...doc, appCompose: `${doc.appCompose ?? ''} ` }),
      POLICY,
      undefined,
      'app-compose',
    ],
    ['another app id', () => forged({ appId: 'f3'.repeat(20) }), POLICY, undefined, 'app-id'],
    [
      'another OS image hash',
      () => doc,
      withPins({ osImageHash: '0f'.repeat(32) }),
      undefined,
      'os-image-hash',
    ],
    [
      'another KMS',
      () => forged({ keyProvider: { name: 'kms', id: 'aa'.repeat(33) } }),
      POLICY,
      undefined,
      'key-provider',
    ],
    [
      'neither of two accepted sets',
      () => doc,
      {
        ...POLICY,
        pins: [
          { ...PINS, rtmr2: '00'.repeat(48) },
          { ...PINS, composeHash: '00'.repeat(32) },
        ],
      },
      undefined,
      'measurements',
    ],
    [
      'the pinned compose hash differs',
      () => doc,
      withPins({ composeHash: 'aa'.repeat(32) }),
      undefined,
      'compose-hash',
    ],
    [
      'an edited event log (compose hash swapped, digest kept)',
      () => ({ ...doc, eventLog: (doc.eventLog ?? '').replace(PINS.composeHash, 'f4'.repeat(32)) }),
      POLICY,
      undefined,
      'event-log',
    ],
    [
      'an event log with an event dropped',
      () => ({ ...doc, eventLog: JSON.stringify((JSON.parse(doc.eventLog ?? '[]') as unknown[]).slice(1)) }),
      POLICY,
      undefined,
      'event-log',
    ],
    [
      'a document that says insecure-dev',
      () => ({ ...doc, mode: 'insecure-dev', quote: null, eventLog: null, appCompose: null }),
      POLICY,
      undefined,
      'mode',
    ],
    [
      'a quote flipped in its body',
      () => ({ ...doc, quote: `${(doc.quote ?? '').slice(0, 400)}ff${(doc.quote ?? '').slice(402)}` }),
      POLICY,
      undefined,
      'quote',
    ],
    [
      'a debug TD',
      () => ({
        ...forged(),
        quote: toHex(
          dcap.quote({
            ...PINS,
            rtmr3: '00'.repeat(48),
            reportData: reportDataFor(
              fromHex(doc.publicKey) ?? otherKey,
              fromHex(doc.hpkePublicKey) ?? otherKey,
            ),
            debug: true,
          }),
        ),
      }),
      POLICY,
      undefined,
      'quote',
    ],
    [
      'a revoked PCK certificate',
      () => doc,
      POLICY,
      deps({ collateral: dcap.collateral({ revokePck: true }) }),
      'quote',
    ],
    ['collateral past its nextUpdate', () => doc, POLICY, deps({ nowSecs: NOW + 31 * 86_400 }), 'quote'],
    ["Intel's root instead of the test root", () => doc, POLICY, deps({ root: 'intel' }), 'quote'],
    ['UpToDate not allowed', () => doc, { ...POLICY, allowedTcbStatuses: ['OutOfDate'] }, undefined, 'tcb'],
  ]
  it.each(rows)('refuses %s', async (_name, make, policy, d, check) => {
    const r = await verifyAttestation(make(), policy, d ?? deps())
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.check).toBe(check)
  })

  it('verifies every response signature and refuses bad or replayed ones', async () => {
    const r = await verifyAttestation(doc, POLICY, deps())
    if (!r.ok) throw new Error(r.error.detail)
    const key = await importResponseKey(r.value.publicKey)
    const call = (requestId: string) =>
      https(
        signer.signer.port,
        'POST',
        '/v1/accounts.list',
        JSON.stringify({ requestId, issuedAt: Date.now(), userId: 'user_chain', params: {} }),
      )
    const a = await call('req_chain_aaaaaaaa')
    const b = await call('req_chain_bbbbbbbb')
    const check = (res: Raw, requestId: string, headers = res.headers) =>
      verifyResponseSignature(key, { requestId, status: res.status, body: res.body, headers }, Date.now())
    expect((await check(a, 'req_chain_aaaaaaaa')).ok).toBe(true)
    expect((await check(b, 'req_chain_bbbbbbbb')).ok).toBe(true)
    // Replay: A's signed answer offered as the answer to B.
    expect(await check(a, 'req_chain_bbbbbbbb')).toEqual({
      ok: false,
      error: 'response signature is invalid',
    })
    // Bad signature: B's signature on A's response.
    const swapped = new Headers(a.headers)
    swapped.set(SIGNATURE_HEADER, b.headers.get(SIGNATURE_HEADER) ?? '')
    expect(await check(a, 'req_chain_aaaaaaaa', swapped)).toEqual({
      ok: false,
      error: 'response signature is invalid',
    })
    const missing = new Headers(a.headers)
    missing.delete(SIGNATURE_HEADER)
    expect(await check(a, 'req_chain_aaaaaaaa', missing)).toEqual({
      ok: false,
      error: 'response is not signed',
    })
    // A different (unattested) signer's response does not verify under the attested key.
    const rogue = await startTestSigner()
    const c = await https(
      rogue.signer.port,
      'POST',
      '/v1/accounts.list',
      JSON.stringify({
        requestId: 'req_chain_cccccccc',
        issuedAt: Date.now(),
        userId: 'user_chain',
        params: {},
      }),
    )
    await rogue.stop()
    expect(c.status).toBe(200)
    expect(await check(c, 'req_chain_cccccccc')).toEqual({
      ok: false,
      error: 'response signature is invalid',
    })
  })
})
