/**
 * A session credential that is presented but not good (malformed, unknown, expired, idle too long, revoked)
 * answers 401 ERR_AUTH_SESSION_INVALID with WWW-Authenticate, on API routes and on /chat, where a silent
 * downgrade would have made a signed-out client's chat anonymous. Signing in with a stale cookie still works
 * (and clears it), and so does loading the page. Removing a passkey ends the sessions it signed in.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createSession, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../../edge/auth/sessions.ts'
import type { PasskeyView } from '../../shared/schemas/auth.ts'
import { json, signedInUser, testApp } from './support/app.ts'
import {
  addPasskey,
  errorCode,
  login,
  newAuthenticator,
  proofFor,
  reauth,
  register,
} from './support/auth-flows.ts'

const call = testApp()
const DAY = 24 * 3_600_000

async function expiredToken(ageMs: number): Promise<string> {
  const u = await signedInUser()
  return (await createSession(env.DB, u.userId, Date.now() - ageMs)).token
}

async function revokedToken(): Promise<string> {
  const u = await signedInUser()
  expect((await call('/auth/logout', { method: 'POST', headers: u.auth })).status).toBe(200)
  return u.token
}

type Presented = () => Promise<Record<string, string>>
const bearer = (t: string) => ({ authorization: `Bearer ${t}` })
const cookie = (t: string) => ({ cookie: `tuxedo_session=${t}` })

const bad: [string, Presented][] = [
  ['a malformed bearer token', async () => ({ authorization: 'Bearer not/a*token' })],
  ['another scheme', async () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
  ['an empty bearer', async () => ({ authorization: 'Bearer ' })],
  ['an unknown bearer token', async () => bearer('A'.repeat(43))],
  ['an expired session (absolute)', async () => bearer(await expiredToken(SESSION_ABSOLUTE_MS + 1))],
  ['an idle session', async () => bearer(await expiredToken(SESSION_IDLE_MS + DAY))],
  ['a revoked session', async () => bearer(await revokedToken())],
  ['an unknown cookie', async () => cookie('B'.repeat(43))],
  ['a malformed cookie', async () => cookie('%%%')],
]

const routes: [string, string, string | null][] = [
  ['GET', '/api/accounts', null],
  ['GET', '/auth/session', null],
  // Chat has an anonymous mode: this is where a silent downgrade would bite.
  ['POST', '/chat', JSON.stringify({ message: 'hello' })],
]

describe('a presented credential that is not good', () => {
  for (const [method, path, body] of routes) {
    it.each(bad)(`${method} ${path} with %s → 401 + WWW-Authenticate`, async (_name, presented) => {
      const res = await call(path, {
        method,
        headers: { ...(await presented()), 'content-type': 'application/json' },
        body,
      })
      expect(res.status).toBe(401)
      expect(await errorCode(res)).toBe('ERR_AUTH_SESSION_INVALID')
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="tuxedo", error="invalid_token"/)
    })
  }

  it('a good session still works, and no credential at all is plain ERR_AUTH_REQUIRED', async () => {
    const u = await signedInUser()
    expect((await call('/api/accounts', { headers: u.auth })).status).toBe(200)
    const none = await call('/api/accounts')
    expect(none.status).toBe(401)
    expect(await errorCode(none)).toBe('ERR_AUTH_REQUIRED')
  })

  it('signing in with a stale cookie works and clears it; the page loads', async () => {
    const stale = cookie('C'.repeat(43))
    const options = await call('/auth/passkey/login/options', {
      method: 'POST',
      headers: { ...stale, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(options.status).toBe(200)
    expect(options.headers.get('set-cookie')).toMatch(/tuxedo_session=;.*Max-Age=0/)
    const page = await call('/health', { headers: stale })
    expect(page.status).not.toBe(401)
  })
})

describe('removing a passkey ends the sessions it signed in', () => {
  it('the laptop session dies with the laptop passkey; the phone session lives', async () => {
    const r = await register(call)
    const laptop = newAuthenticator()
    expect((await addPasskey(call, laptop, r.auth, 'Laptop', r.authenticator)).status).toBe(201)
    const onLaptop = await json<{ sessionToken: string }>(await login(call, laptop, { email: r.email }))
    const onPhone = await json<{ sessionToken: string }>(
      await login(call, r.authenticator, { email: r.email }),
    )
    const phoneAuth = bearer(onPhone.sessionToken)
    const passkeys = (
      await json<{ passkeys: PasskeyView[] }>(await call('/auth/passkeys', { headers: phoneAuth }))
    ).passkeys
    const laptopKey = passkeys.find((p) => p.name === 'Laptop')
    expect((await call('/api/accounts', { headers: bearer(onLaptop.sessionToken) })).status).toBe(200)

    expect((await reauth(call, r.authenticator, phoneAuth)).status).toBe(200)
    // The signer wants the user's own proof naming this passkey (issue 13), made on the phone.
    const operation = { method: 'passkeys.remove', credentialId: laptopKey?.id ?? '' }
    const proof = await proofFor(call, r.authenticator, phoneAuth, operation)
    const removed = await call(`/auth/passkeys/${laptopKey?.id ?? ''}`, {
      method: 'DELETE',
      headers: { ...phoneAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ proof }),
    })
    expect(removed.status).toBe(200)

    const after = await call('/api/accounts', { headers: bearer(onLaptop.sessionToken) })
    expect(after.status).toBe(401)
    expect(await errorCode(after)).toBe('ERR_AUTH_SESSION_INVALID')
    expect((await call('/api/accounts', { headers: phoneAuth })).status).toBe(200)
    // The registration session (made by the first passkey) is untouched too.
    expect((await call('/api/accounts', { headers: r.auth })).status).toBe(200)
  })

  it('refusing to remove the last passkey revokes nothing', async () => {
    const r = await register(call)
    const [only] = (
      await json<{ passkeys: PasskeyView[] }>(await call('/auth/passkeys', { headers: r.auth }))
    ).passkeys
    const res = await call(`/auth/passkeys/${only?.id ?? ''}`, { method: 'DELETE', headers: r.auth })
    expect(res.status).toBe(409)
    expect((await call('/api/accounts', { headers: r.auth })).status).toBe(200)
  })
})
