/**
 * mTLS handshake (no certificate, wrong CA, good certificate) and the HTTP edges of the route table:
 * unknown methods, verbs, media types, bad JSON, strict envelopes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueClientCert, spkiPinOfFile } from '../../scripts/lib/certs.ts'
import {
  createClient,
  guardAgainstLeaks,
  startTestSigner,
  type TestSigner,
  testEnv,
  testPki,
} from './helpers.ts'

guardAgainstLeaks()

let t: TestSigner
beforeAll(async () => {
  t = await startTestSigner()
})
afterAll(async () => {
  await t.stop()
})

describe('handshake', () => {
  it('refuses a client without a certificate', async () => {
    const client = createClient(t.signer.port)
    await expect(client.call('accounts.list', {})).rejects.toThrow()
    client.close()
  })
  it('refuses a client certificate from another CA', async () => {
    const { wrong } = testPki()
    const client = createClient(t.signer.port, { cert: wrong.clientCert, key: wrong.clientKey })
    await expect(client.call('accounts.list', {})).rejects.toThrow()
    client.close()
  })
  it('refuses a certificate from SIGNER_CLIENT_CA whose key is not pinned, before any RPC', async () => {
    const other = issueClientCert(testPki().pki, 'unpinned-client')
    const client = createClient(t.signer.port, other)
    await expect(client.call('accounts.create', { kind: 'user' })).rejects.toThrow()
    client.close()
    expect(t.logs.some((l) => l.includes('client certificate not pinned'))).toBe(true)
    // Nothing ran: no audit entry, no account.
    const audit = await t.client.call('audit.list', {})
    expect(audit.body.result?.entries).toEqual([])
  })
  it('accepts the pinned client certificate from SIGNER_CLIENT_CA', async () => {
    const reply = await t.client.call('accounts.list', {})
    expect(reply).toEqual({ status: 200, body: { ok: true, result: { accounts: [] } } })
  })
  it('accepts both certificates while a rotation lists two pins', async () => {
    const { pki } = testPki()
    const next = issueClientCert(pki, 'next-client')
    const pins = `${spkiPinOfFile(pki.clientCert)},${spkiPinOfFile(next.cert)}`
    const r = await startTestSigner({ env: testEnv({ SIGNER_CLIENT_SPKI_PINS: pins }) })
    const client = createClient(r.signer.port, next)
    try {
      expect((await client.call('accounts.list', {})).status).toBe(200)
      expect((await r.client.call('accounts.list', {})).status).toBe(200)
    } finally {
      client.close()
      await r.stop()
    }
  })
})

describe('request shape', () => {
  const envelope = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      requestId: `req_${Math.random().toString(36).slice(2)}`,
      issuedAt: Date.now(),
      userId: 'u',
      params: {},
      ...extra,
    })

  it.each([
    ['unknown method', '/v1/accounts.steal', envelope(), {}, 404, 'ERR_SIGNER_UNKNOWN_METHOD'],
    ['prototype key as method', '/v1/constructor.name', envelope(), {}, 404, 'ERR_SIGNER_UNKNOWN_METHOD'],
    ['path outside /v1', '/admin', envelope(), {}, 404, 'ERR_SIGNER_UNKNOWN_METHOD'],
    [
      'wrong media type',
      '/v1/accounts.list',
      envelope(),
      { 'content-type': 'text/plain' },
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    ],
    ['bad JSON', '/v1/accounts.list', '{"requestId":', {}, 400, 'ERR_BAD_JSON'],
    ['unknown envelope key', '/v1/accounts.list', envelope({ admin: true }), {}, 400, 'ERR_VALIDATION'],
    ['missing userId', '/v1/accounts.list', envelope({ userId: undefined }), {}, 400, 'ERR_VALIDATION'],
    ['issuedAt as string', '/v1/accounts.list', envelope({ issuedAt: 'now' }), {}, 400, 'ERR_VALIDATION'],
    ['short requestId', '/v1/accounts.list', envelope({ requestId: 'r1' }), {}, 400, 'ERR_VALIDATION'],
    [
      'unknown params key',
      '/v1/accounts.list',
      envelope({ params: { all: true } }),
      {},
      400,
      'ERR_VALIDATION',
    ],
    [
      'body over the limit',
      '/v1/accounts.list',
      envelope({ params: { x: 'a'.repeat(200_000) } }),
      {},
      413,
      'ERR_BODY_TOO_LARGE',
    ],
  ])('%s → %i %s', async (_name, path, payload, headers, status, code) => {
    const reply = await t.client.post(path, payload, headers)
    expect(reply.status).toBe(status)
    expect(reply.body).toEqual({ ok: false, error: { code, message: expect.any(String) } })
  })

  it('answers the mTLS liveness probe', async () => {
    const { Agent, request } = await import('node:https')
    const { readFileSync } = await import('node:fs')
    const { pki } = testPki()
    const agent = new Agent({
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.clientCert),
      key: readFileSync(pki.clientKey),
    })
    const status = await new Promise<number>((resolve, reject) => {
      request(
        { host: '127.0.0.1', port: t.signer.port, path: '/v1/health', agent, servername: 'localhost' },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
        .on('error', reject)
        .end()
    })
    expect(status).toBe(200)
    agent.destroy()
  })

  it('serves plain-HTTP health on loopback, revealing nothing else', async () => {
    const res = await fetch(`http://127.0.0.1:${t.signer.healthPort}/health`)
    expect(await res.json()).toEqual({ status: 'ok' })
    expect(
      (await fetch(`http://127.0.0.1:${t.signer.healthPort}/v1/accounts.list`, { method: 'POST' })).status,
    ).toBe(404)
  })
})
