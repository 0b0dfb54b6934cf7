/**
 * The signer's side of attestation: the document at GET /v1/attestation, a valid signature by the announced
 * key on every mTLS response (successes, refusals, transport errors), the request id inside the signature,
 * and ATTESTATION_MODE failing closed — insecure-dev outside development and tdx without a guest agent.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importResponseKey, verifyResponseSignature } from '../../edge/attestation/response-signature.ts'
import {
  AttestationResponseSchema,
  AUDIT_HEAD_HEADER,
  fromHex,
  KEY_ID_HEADER,
  keyIdFor,
  parseAuditHead,
} from '../../shared/attestation.ts'
import { loadConfig } from '../../signer/config.ts'
import { CriticalSecurityError } from '../../signer/errors.ts'
import { startSigner } from '../../signer/start.ts'
import { guardAgainstLeaks, startTestSigner, type TestSigner, testEnv, testPki } from './helpers.ts'

guardAgainstLeaks()

type Raw = { status: number; headers: Headers; body: Uint8Array }

function rawRequest(
  port: number,
  method: string,
  path: string,
  body?: string,
  requestId?: string,
): Promise<Raw> {
  const { pki } = testPki()
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        servername: 'localhost',
        agent: new Agent({
          ca: readFileSync(pki.caCert),
          cert: readFileSync(pki.clientCert),
          key: readFileSync(pki.clientKey),
        }),
        headers: {
          'content-type': 'application/json',
          ...(requestId ? { 'x-request-id': requestId } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const headers = new Headers()
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v)
          resolve({ status: res.statusCode ?? 0, headers, body: new Uint8Array(Buffer.concat(chunks)) })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const envelope = (requestId: string, params: unknown) =>
  JSON.stringify({ requestId, issuedAt: Date.now(), userId: 'user_att', params })

describe('insecure-dev signer', () => {
  let t: TestSigner
  let publicKey: Uint8Array
  beforeAll(async () => {
    t = await startTestSigner()
    const res = await rawRequest(t.signer.port, 'GET', '/v1/attestation')
    const doc = AttestationResponseSchema.parse(JSON.parse(new TextDecoder().decode(res.body)))
    publicKey = fromHex(doc.result.publicKey) ?? new Uint8Array(0)
  })
  afterAll(() => t.stop())

  it('serves a document without a quote, says insecure-dev in /v1/health and loudly in the log', async () => {
    const res = await rawRequest(t.signer.port, 'GET', '/v1/attestation')
    const doc = AttestationResponseSchema.parse(JSON.parse(new TextDecoder().decode(res.body))).result
    expect(doc).toMatchObject({ mode: 'insecure-dev', quote: null, eventLog: null })
    expect(res.headers.get(KEY_ID_HEADER)).toBe(keyIdFor(publicKey))
    const health = await rawRequest(t.signer.port, 'GET', '/v1/health')
    expect(JSON.parse(new TextDecoder().decode(health.body))).toEqual({
      ok: true,
      result: { status: 'ok', attestation: 'insecure-dev' },
    })
    const warn = t.logs.find((l) => l.includes('INSECURE'))
    expect(warn).toMatch(/"level":40/)
    expect(warn).toContain('insecure-dev')
  })

  // The last column: does the reply carry the audit head (it reached the transaction)?
  type Row = [string, string, string, string | undefined, number, boolean]
  const rows: Row[] = [
    ['a success', 'POST', '/v1/accounts.list', envelope('req_sig_ok_0001', {}), 200, true],
    ['a replayed success', 'POST', '/v1/accounts.list', envelope('req_sig_ok_0001', {}), 200, true],
    [
      'a refusal in the transaction',
      'POST',
      '/v1/accounts.get',
      envelope('req_sig_nf_0001', { accountId: 'acc_nope_nope_nope_nope' }),
      404,
      true,
    ],
    [
      'a validation refusal',
      'POST',
      '/v1/accounts.get',
      envelope('req_sig_bad_0001', { nope: 1 }),
      400,
      true,
    ],
    ['an unknown method (id from the header)', 'POST', '/v1/nope.nope', '{}', 404, false],
    ['bad JSON (id from the header)', 'POST', '/v1/accounts.list', '{', 400, false],
    ['a GET on an RPC path', 'GET', '/v1/accounts.list', undefined, 405, false],
  ]
  it.each(rows)(
    'signs %s over the request id, status, body and head',
    async (_n, method, path, body, status, withHead) => {
      const requestId = body?.includes('req_sig_')
        ? (JSON.parse(body) as { requestId: string }).requestId
        : `req_${randomUUID()}`
      const res = await rawRequest(t.signer.port, method, path, body, requestId)
      expect(res.status).toBe(status)
      const key = await importResponseKey(publicKey)
      const good = await verifyResponseSignature(
        key,
        { requestId, status: res.status, body: res.body, headers: res.headers },
        Date.now(),
      )
      expect(good.ok).toBe(true)
      const head = parseAuditHead(res.headers.get(AUDIT_HEAD_HEADER) ?? '')
      expect(good.ok && good.value).toEqual(withHead ? head : undefined)
      expect(head !== undefined).toBe(withHead)
      // The head edited (a rolled-back signer claiming a later one), forged onto a headless reply, or stripped.
      const otherHead = new Headers(res.headers)
      otherHead.set(AUDIT_HEAD_HEADER, `${(head?.seq ?? 0) + 1}:${'ab'.repeat(32)}`)
      const noHead = new Headers(res.headers)
      noHead.delete(AUDIT_HEAD_HEADER)
      for (const headers of withHead ? [otherHead, noHead] : [otherHead]) {
        const r = await verifyResponseSignature(
          key,
          { requestId, status: res.status, body: res.body, headers },
          Date.now(),
        )
        expect(r).toEqual({ ok: false, error: 'response signature is invalid' })
      }
      // The same response offered as the answer to another request, with another status, or altered: refused.
      const tampered = res.body.slice()
      tampered[0] = (tampered[0] ?? 0) ^ 1
      const bad = [
        { requestId: 'req_someone_else_01', status: res.status, body: res.body },
        { requestId, status: 200 + (res.status === 200 ? 1 : 0), body: res.body },
        { requestId, status: res.status, body: tampered },
      ]
      for (const b of bad) {
        const r = await verifyResponseSignature(key, { ...b, headers: res.headers }, Date.now())
        expect(r).toEqual({ ok: false, error: 'response signature is invalid' })
      }
      const stale = await verifyResponseSignature(
        key,
        { requestId, status: res.status, body: res.body, headers: res.headers },
        Date.now() + 10 * 60_000,
      )
      expect(stale).toEqual({ ok: false, error: 'response timestamp is out of range' })
    },
  )

  it('uses a fresh key per process', async () => {
    const other = await startTestSigner()
    const res = await rawRequest(other.signer.port, 'GET', '/v1/attestation')
    const doc = AttestationResponseSchema.parse(JSON.parse(new TextDecoder().decode(res.body))).result
    expect(doc.publicKey).not.toBe(Buffer.from(publicKey).toString('hex'))
    await other.stop()
  })
})

describe('ATTESTATION_MODE fails closed', () => {
  it.each(['staging', 'production'])(
    'refuses insecure-dev with ENVIRONMENT=%s, naming the variable',
    (environment) => {
      const run = () => loadConfig(testEnv({ ENVIRONMENT: environment, ATTESTATION_MODE: 'insecure-dev' }))
      expect(run).toThrow(CriticalSecurityError)
      expect(run).toThrow(/ATTESTATION_MODE: insecure-dev is refused when ENVIRONMENT=/)
    },
  )

  it.each(['', 'none', 'TDX', 'sev'])('refuses ATTESTATION_MODE=%j as invalid or defaults to tdx', (mode) => {
    const env = testEnv({ ATTESTATION_MODE: mode })
    if (mode === '') expect(loadConfig(env).attestation.mode).toBe('tdx')
    else expect(() => loadConfig(env)).toThrow(/ATTESTATION_MODE: invalid/)
  })

  it('defaults to tdx, and a tdx signer without a guest agent does not start', async () => {
    const config = loadConfig(
      testEnv({ ATTESTATION_MODE: undefined, DSTACK_SIMULATOR_ENDPOINT: 'http://127.0.0.1:9' }),
    )
    expect(config.attestation.mode).toBe('tdx')
    await expect(startSigner(config)).rejects.toThrow()
  })
})
