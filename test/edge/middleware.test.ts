import { describe, expect, it } from 'vitest'
import { json, randomIp, signedInUser, testApp } from './support/app.ts'

const call = testApp()

describe('security headers', () => {
  it.each([['/health'], ['/nope'], ['/api/accounts']])('are on every response (%s)', async (path) => {
    const res = await call(path)
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('permissions-policy')).toContain('camera=()')
  })
  it('no HSTS in development, HSTS in staging', async () => {
    expect((await call('/health')).headers.get('strict-transport-security')).toBeNull()
    const staging = testApp({ env: { ENVIRONMENT: 'staging', ALLOWED_ORIGINS: 'https://app.example' } })
    expect((await staging('/health')).headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
  })
})

describe('CORS', () => {
  const prod = testApp({
    env: { ENVIRONMENT: 'production', ALLOWED_ORIGINS: 'https://app.example,https://other.example' },
  })
  const preflight = (origin: string) => ({
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  })

  it.each([
    [call, 'http://localhost:5173'],
    [call, 'http://127.0.0.1:8787'],
    [prod, 'https://app.example'],
    [prod, 'https://other.example'],
  ])('allows %#: %s with credentials', async (fetcher, origin) => {
    const res = await fetcher('/api/accounts', preflight(origin))
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(origin)
    expect(res.headers.get('access-control-allow-credentials')).toBe('true')
    expect(res.headers.get('access-control-allow-methods')).toContain('DELETE')
  })

  it.each([
    [call, 'https://evil.example'],
    [call, 'http://localhost.evil.example'],
    [call, 'null'],
    [prod, 'http://localhost:8787'],
    [prod, 'https://app.example.evil.example'],
    [prod, 'http://app.example'],
    [prod, 'https://APP.example:443x'],
  ])('refuses %#: %s (no ACAO, failed preflight)', async (fetcher, origin) => {
    const res = await fetcher('/api/accounts', preflight(origin))
    expect(res.status).toBe(403)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    expect((await json(res)).code).toBe('ERR_CORS_ORIGIN')
  })

  it('a foreign origin reading gets no ACAO; writing is refused outright', async () => {
    const get = await prod('/health', { headers: { origin: 'https://evil.example' } })
    expect(get.headers.get('access-control-allow-origin')).toBeNull()
    const post = await prod('/api/accounts', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{}',
    })
    expect(post.status).toBe(403)
    expect((await json(post)).code).toBe('ERR_CORS_ORIGIN')
  })
})

describe('body limit and validation', () => {
  it('over 64 KiB → 413 in our shape, nothing written', async () => {
    const user = await signedInUser()
    const res = await call('/api/accounts', {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(70_000), kind: 'user' }),
    })
    expect(res.status).toBe(413)
    const body = await json(res)
    expect(body).toMatchObject({ code: 'ERR_BODY_TOO_LARGE', requestId: res.headers.get('x-request-id') })
    const list = await json<{ accounts: unknown[] }>(await call('/api/accounts', { headers: user.auth }))
    expect(list.accounts).toHaveLength(0)
  })

  it.each([
    ['malformed JSON', '{"kind":', 'application/json', 400, 'ERR_BAD_JSON'],
    ['wrong type', JSON.stringify({ kind: 7 }), 'application/json', 400, 'ERR_VALIDATION'],
    ['unknown kind', JSON.stringify({ kind: 'admin' }), 'application/json', 400, 'ERR_VALIDATION'],
    [
      'unknown key',
      JSON.stringify({ kind: 'user', userId: 'someone-else' }),
      'application/json',
      400,
      'ERR_VALIDATION',
    ],
    [
      'name too long',
      JSON.stringify({ kind: 'user', name: 'n'.repeat(65) }),
      'application/json',
      400,
      'ERR_VALIDATION',
    ],
    ['array body', '[]', 'application/json', 400, 'ERR_VALIDATION'],
    ['form body', 'kind=user', 'application/x-www-form-urlencoded', 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
  ])('%s → %i %s, nothing written', async (_label, body, type, status, code) => {
    const user = await signedInUser()
    const res = await call('/api/accounts', {
      method: 'POST',
      headers: { ...user.auth, 'content-type': type },
      body,
    })
    expect(res.status).toBe(status)
    const err = await json(res)
    expect(err.code).toBe(code)
    expect(Object.keys(err).sort()).toEqual(['code', 'message', 'requestId'])
    const list = await json<{ accounts: unknown[] }>(await call('/api/accounts', { headers: user.auth }))
    expect(list.accounts).toHaveLength(0)
  })
})

describe('rate limits (real Redis through the Upstash bridge)', () => {
  it('with a limit of N, request N+1 gets 429 with Retry-After and X-RateLimit-*', async () => {
    const limited = testApp({ env: { RATE_LIMIT_HEALTH: '3/1m' } })
    const ip = randomIp()
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await limited('/health', { ip })).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const blocked = await limited('/health', { ip })
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(blocked.headers.get('x-ratelimit-limit')).toBe('3')
    expect(blocked.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(Number(blocked.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000)
    expect((await json(blocked)).code).toBe('ERR_RATE_LIMITED')
    // Another IP is not affected.
    expect((await limited('/health', { ip: randomIp() })).status).toBe(200)
  })

  it('two concurrent bursts never let more than N through (per user on a money route)', async () => {
    const limited = testApp({ env: { RATE_LIMIT_MONEY: '5/1h' } })
    const user = await signedInUser()
    const burst = () =>
      Array.from({ length: 12 }, () =>
        limited('/api/accounts', {
          method: 'POST',
          // A different IP per request: the key is the user, not the address.
          headers: { ...user.auth, 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'user' }),
        }),
      )
    const results = await Promise.all([...burst(), ...burst()])
    const statuses = results.map((r) => r.status)
    expect(statuses.filter((s) => s === 201)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(19)
    const list = await json<{ accounts: unknown[] }>(await call('/api/accounts', { headers: user.auth }))
    expect(list.accounts).toHaveLength(5)
  })

  it('money routes fail closed when Redis is unreachable; reads continue', async () => {
    const down = testApp({ env: { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' } })
    const user = await signedInUser()
    const write = await down('/api/accounts', {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'user' }),
    })
    expect(write.status).toBe(503)
    expect((await json(write)).code).toBe('ERR_RATE_LIMIT_UNAVAILABLE')
    const read = await down('/api/accounts', { headers: user.auth })
    expect(read.status).toBe(200)
  })
})

describe('configuration', () => {
  it('a missing secret gives ERR_CONFIG naming the variable, not its value', async () => {
    const broken = testApp({ env: { UPSTASH_REDIS_REST_TOKEN: '' } })
    const res = await broken('/health')
    expect(res.status).toBe(500)
    const body = await json<{ code: string; message: string }>(res)
    expect(body.code).toBe('ERR_CONFIG')
    expect(body.message).toContain('UPSTASH_REDIS_REST_TOKEN')
  })
  it('a short AUTH_SECRET is named, its value is not echoed', async () => {
    const broken = testApp({ env: { AUTH_SECRET: 'short-secret-value' } })
    const body = await json<{ message: string }>(await broken('/health'))
    expect(body.message).toContain('AUTH_SECRET')
    expect(body.message).not.toContain('short-secret-value')
  })
})
