import { describe, expect, it } from 'vitest'
import { type Clock, json, testApp } from './support/app.ts'
import { errorCode, login, post, register } from './support/auth-flows.ts'

const HOUR = 3_600_000
const call = testApp()

describe('sessions: GET /auth/session, POST /auth/logout, /auth/logout-all', () => {
  // Nothing presented: sign in first. Something presented that is not a live session: say so (issue 13).
  const anonymous: [string, Record<string, string>, string][] = [
    ['no credentials', {}, 'ERR_AUTH_REQUIRED'],
    ['a malformed bearer', { authorization: 'Bearer not a token' }, 'ERR_AUTH_SESSION_INVALID'],
    ['an unknown bearer', { authorization: `Bearer ${'A'.repeat(43)}` }, 'ERR_AUTH_SESSION_INVALID'],
    ['a basic header', { authorization: 'Basic dXNlcjpwYXNz' }, 'ERR_AUTH_SESSION_INVALID'],
    ['an unknown cookie', { cookie: `tuxedo_session=${'B'.repeat(43)}` }, 'ERR_AUTH_SESSION_INVALID'],
  ]
  it.each(anonymous)('GET /auth/session with %s → 401 %s', async (_name, headers, code) => {
    const res = await call('/auth/session', { headers })
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe(code)
  })

  it('describes the session: created, absolute and idle expiry, last reauth', async () => {
    const clock: Clock = { now: Date.now() }
    const timed = testApp({ clock })
    const r = await register(timed)
    const body = await json<{ session: Record<string, number> }>(
      await timed('/auth/session', { headers: r.auth }),
    )
    expect(body.session).toEqual({
      createdAt: clock.now,
      expiresAt: clock.now + 7 * 24 * HOUR,
      idleExpiresAt: clock.now + 24 * HOUR,
      reauthAt: clock.now,
    })
  })

  it('ends after 24 hours idle (injected clock)', async () => {
    const clock: Clock = { now: Date.now() }
    const timed = testApp({ clock })
    const r = await register(timed)
    clock.now += 24 * HOUR - 1_000
    expect((await timed('/auth/session', { headers: r.auth })).status).toBe(200)
    // That request slid the idle window: another 23 hours later it is still alive.
    clock.now += 23 * HOUR
    expect((await timed('/auth/session', { headers: r.auth })).status).toBe(200)
    clock.now += 24 * HOUR
    expect((await timed('/auth/session', { headers: r.auth })).status).toBe(401)
    // Once dead it stays dead, even if the clock were to come back.
    clock.now -= 24 * HOUR
    expect((await timed('/auth/session', { headers: r.auth })).status).toBe(401)
  })

  it('ends 7 days after creation however active it is (injected clock)', async () => {
    const clock: Clock = { now: Date.now() }
    const timed = testApp({ clock })
    const r = await register(timed)
    const start = clock.now
    while (clock.now + 20 * HOUR < start + 7 * 24 * HOUR) {
      clock.now += 20 * HOUR
      expect((await timed('/auth/session', { headers: r.auth })).status).toBe(200)
    }
    clock.now = start + 7 * 24 * HOUR
    expect((await timed('/auth/session', { headers: r.auth })).status).toBe(401)
  })

  it('logout ends this session only and clears the cookie', async () => {
    const r = await register(call)
    const other = await json<{ sessionToken: string }>(await login(call, r.authenticator, { email: r.email }))
    const res = await post(call, '/auth/logout', undefined, r.auth)
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ revoked: 1 })
    expect(res.headers.get('set-cookie')).toMatch(/^tuxedo_session=; .*Max-Age=0/)
    expect((await call('/auth/session', { headers: r.auth })).status).toBe(401)
    const still = await call('/auth/session', { headers: { authorization: `Bearer ${other.sessionToken}` } })
    expect(still.status).toBe(200)
  })

  it('logout works with the cookie, and again without a session (idempotent)', async () => {
    const r = await register(call)
    const cookie = r.setCookie.split(';')[0] ?? ''
    expect(await json(await post(call, '/auth/logout', undefined, { cookie }))).toEqual({ revoked: 1 })
    expect((await call('/auth/session', { headers: { cookie } })).status).toBe(401)
    const again = await post(call, '/auth/logout', undefined, { cookie })
    expect(again.status).toBe(200)
    expect(await json(again)).toEqual({ revoked: 0 })
  })

  it('logout-all ends every session of the user and no one else’s', async () => {
    const r = await register(call)
    const second = await json<{ sessionToken: string }>(
      await login(call, r.authenticator, { email: r.email }),
    )
    const bystander = await register(call)
    const res = await post(call, '/auth/logout-all', undefined, r.auth)
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ revoked: 2 })
    expect((await call('/auth/session', { headers: r.auth })).status).toBe(401)
    const s2 = await call('/auth/session', { headers: { authorization: `Bearer ${second.sessionToken}` } })
    expect(s2.status).toBe(401)
    expect((await call('/auth/session', { headers: bystander.auth })).status).toBe(200)
  })

  it('logout-all needs a session', async () => {
    const res = await post(call, '/auth/logout-all')
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('ERR_AUTH_REQUIRED')
  })
})

describe('GET /openapi.json', () => {
  it('documents every /auth route with its body schema', async () => {
    const doc = await json<{ paths: Record<string, Record<string, { requestBody?: unknown }>> }>(
      await call('/openapi.json'),
    )
    const routes = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/auth/'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
    expect(routes.sort()).toEqual(
      [
        'POST /auth/passkey/register/options',
        'POST /auth/passkey/register/verify',
        'POST /auth/passkey/login/options',
        'POST /auth/passkey/login/verify',
        'POST /auth/logout',
        'POST /auth/logout-all',
        'GET /auth/session',
        'GET /auth/passkeys',
        'POST /auth/passkeys/options',
        'POST /auth/passkeys/verify',
        'DELETE /auth/passkeys/{id}',
        'POST /auth/recovery/verify',
        'POST /auth/reauth/options',
        'POST /auth/reauth/verify',
      ].sort(),
    )
    expect(doc.paths['/auth/recovery/verify']?.post?.requestBody).toBeDefined()
  })
})
