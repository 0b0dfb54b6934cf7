import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { json, signedInUser, testApp } from './support/app.ts'

const app = testApp()

const call = (path: string, init?: RequestInit) =>
  exports.default.fetch(new Request(`http://localhost${path}`, init))

describe('GET /health', () => {
  it('answers 200 JSON with environment, network, LLM state and only whether the signer is trusted', async () => {
    const res = await call('/health')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/application\/json/)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      status: 'ok',
      environment: 'development',
      network: 'custom',
      signer: { trusted: true },
      llm: { configured: false },
    })
    expect(body.signer).toEqual({ trusted: true })
    expect(typeof body.requestId).toBe('string')
  })

  it('tells a signed-in caller what the signer runs and how it was verified', async () => {
    const user = await signedInUser()
    const body = await json<{ signer: Record<string, unknown> }>(await app('/health', { headers: user.auth }))
    expect(body.signer).toMatchObject({
      trusted: true,
      reachable: true,
      attestation: { trusted: true, mode: 'insecure-dev', warning: expect.stringMatching(/INSECURE/) },
    })
  })

  it('reveals no secret or part of one', async () => {
    const text = await (await call('/health')).text()
    for (const name of ['UPSTASH_REDIS_REST_TOKEN', 'ENCRYPTION_MASTER_KEY', 'SERVER_SALT_SECRET']) {
      expect(text).not.toContain(name)
    }
    const { env } = await import('cloudflare:workers')
    const token = String(Reflect.get(env, 'UPSTASH_REDIS_REST_TOKEN'))
    expect(token.length).toBeGreaterThan(8)
    expect(text).not.toContain(token)
    expect(text).not.toContain(token.slice(0, 8))
  })

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const good = await call('/health', { headers: { 'x-request-id': 'client-req-0001' } })
    expect(good.headers.get('x-request-id')).toBe('client-req-0001')
    const bad = await call('/health', { headers: { 'x-request-id': '<script>' } })
    expect(bad.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
  })

  it('unknown routes get the structured 404', async () => {
    const res = await call('/nope')
    expect(res.status).toBe(404)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toEqual({
      code: 'ERR_NOT_FOUND',
      message: 'no such route',
      requestId: res.headers.get('x-request-id'),
    })
  })
})
