import { env } from 'cloudflare:workers'
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { describe, expect, it } from 'vitest'
import { base64url } from '../../edge/lib/crypto.ts'
import type { Tamper } from '../support/webauthn/authenticator.ts'
import { type Clock, json, testApp } from './support/app.ts'
import {
  errorCode,
  login,
  newAuthenticator,
  type Options,
  post,
  type Registered,
  RP_ID,
  RP_ORIGIN,
  randomEmail,
  register,
  registerOptions,
} from './support/auth-flows.ts'

const call = testApp()
const firstCredential = (r: Registered) => base64url(r.authenticator.credentials[0]!.id)

async function loginOptions(body: Record<string, unknown>, c = call) {
  const res = await post(c, '/auth/passkey/login/options', body)
  expect(res.status).toBe(200)
  return json<Options<PublicKeyCredentialRequestOptionsJSON>>(res)
}

describe('POST /auth/passkey/login/*', () => {
  it('logs in by email: a fresh session, the counter and last use recorded', async () => {
    const r = await register(call)
    const res = await login(call, r.authenticator, { email: r.email })
    expect(res.status).toBe(200)
    const body = await json<{ user: { id: string; email: string }; sessionToken: string }>(res)
    expect(body.user).toEqual({ id: r.userId, email: r.email })
    expect(body.sessionToken).not.toBe(r.token)
    expect(res.headers.get('set-cookie')).toContain(`tuxedo_session=${body.sessionToken};`)
    const session = await call('/auth/session', { headers: { authorization: `Bearer ${body.sessionToken}` } })
    expect((await json<{ session: { reauthAt: number | null } }>(session)).session.reauthAt).not.toBeNull()
    const row = await env.DB.prepare('SELECT counter, last_used_at FROM passkeys WHERE user_id = ?')
      .bind(r.userId)
      .first<{ counter: number; last_used_at: number | null }>()
    expect(row?.counter).toBe(1)
    expect(row?.last_used_at).toEqual(expect.any(Number))
  })

  it('logs in with a discoverable credential (no email, user handle names the user)', async () => {
    const r = await register(call)
    const { options } = await loginOptions({})
    expect(options.allowCredentials ?? []).toEqual([])
    expect(options.userVerification).toBe('required')
    expect(options.rpId).toBe(RP_ID)
    const res = await login(call, r.authenticator)
    expect(res.status).toBe(200)
    expect((await json<{ user: { id: string } }>(res)).user.id).toBe(r.userId)
  })

  const refused: [string, Tamper][] = [
    ['an unknown origin', { origin: 'https://evil.example' }],
    ['the right host on another scheme', { origin: RP_ORIGIN.replace(/^http:/, 'https:') }],
    ['another RP ID', { rpId: 'evil.example' }],
    ['a tampered signature', { flipSignature: true }],
    ['a signature by another key', { wrongKey: true }],
    ['no user verification (UV flag clear)', { userVerified: false }],
    ['no user presence', { userPresent: false }],
    ['a create type instead of get', { type: 'webauthn.create' }],
    [
      'a different challenge',
      { challenge: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    ],
  ]
  it.each(refused)('refuses %s with the generic error and no session', async (_, tamper) => {
    const r = await register(call)
    const res = await login(call, r.authenticator, { email: r.email, tamper })
    expect(res.status).toBe(401)
    expect(await json(res)).toMatchObject({
      code: 'ERR_AUTH_INVALID',
      message: 'passkey verification failed',
    })
    expect(res.headers.get('set-cookie')).toBeNull()
  })

  it('refuses a counter that went backwards (a cloned authenticator)', async () => {
    const r = await register(call)
    expect((await login(call, r.authenticator, { email: r.email })).status).toBe(200)
    expect((await login(call, r.authenticator, { email: r.email })).status).toBe(200)
    const res = await login(call, r.authenticator, { email: r.email, tamper: { counter: 1 } })
    expect(res.status).toBe(401)
  })

  it('an unknown credential and a bad signature get the same answer', async () => {
    const r = await register(call)
    // A credential made for this RP whose registration was never completed.
    const stranger = newAuthenticator()
    await stranger.create((await registerOptions(call, randomEmail())).options)
    const unknown = await login(call, stranger)
    const badSig = await login(call, r.authenticator, { tamper: { flipSignature: true } })
    expect(unknown.status).toBe(badSig.status)
    const [a, b] = [await json(unknown), await json(badSig)]
    expect({ ...a, requestId: '' }).toEqual({ ...b, requestId: '' })
  })

  it('refuses a replayed assertion (the challenge is single use)', async () => {
    const r = await register(call)
    const { challengeId, options } = await loginOptions({ email: r.email })
    const response = await r.authenticator.get(options)
    expect((await post(call, '/auth/passkey/login/verify', { challengeId, response })).status).toBe(200)
    const replay = await post(call, '/auth/passkey/login/verify', { challengeId, response })
    expect(replay.status).toBe(401)
  })

  it('a failed attempt spends the challenge too', async () => {
    const r = await register(call)
    const { challengeId, options } = await loginOptions({ email: r.email })
    const bad = await r.authenticator.get(options, { flipSignature: true })
    expect((await post(call, '/auth/passkey/login/verify', { challengeId, response: bad })).status).toBe(401)
    const good = await r.authenticator.get(options)
    expect((await post(call, '/auth/passkey/login/verify', { challengeId, response: good })).status).toBe(401)
  })

  it('refuses an expired challenge (injected clock)', async () => {
    const clock: Clock = { now: Date.now() }
    const timed = testApp({ clock })
    const r = await register(timed)
    const { challengeId, options } = await loginOptions({ email: r.email }, timed)
    const response = await r.authenticator.get(options)
    clock.now += 5 * 60_000 + 1
    expect((await post(timed, '/auth/passkey/login/verify', { challengeId, response })).status).toBe(401)
  })

  it("refuses another user's credential on an email login", async () => {
    const alice = await register(call)
    const bob = await register(call)
    const { challengeId, options } = await loginOptions({ email: alice.email })
    const response = await bob.authenticator.get(options, { credentialId: firstCredential(bob) })
    expect((await post(call, '/auth/passkey/login/verify', { challengeId, response })).status).toBe(401)
  })

  const handles: [string, (other: string) => string | null][] = [
    ['no user handle', () => null],
    ["another user's handle", (other) => base64url(new TextEncoder().encode(other))],
    ['a garbage handle', () => 'AAAA'],
  ]
  it.each(handles)('discoverable login refuses %s', async (_, handle) => {
    const r = await register(call)
    const other = await register(call)
    const res = await login(call, r.authenticator, { tamper: { userHandle: handle(other.userId) } })
    expect(res.status).toBe(401)
  })

  it('an email login refuses a user handle that names someone else', async () => {
    const r = await register(call)
    const other = await register(call)
    const handle = base64url(new TextEncoder().encode(other.userId))
    const res = await login(call, r.authenticator, { email: r.email, tamper: { userHandle: handle } })
    expect(res.status).toBe(401)
  })

  it('a decoy challenge (unknown email) cannot be satisfied by any real credential', async () => {
    const r = await register(call)
    const { challengeId, options } = await loginOptions({ email: randomEmail() })
    const response = await r.authenticator.get(options, { credentialId: firstCredential(r) })
    expect((await post(call, '/auth/passkey/login/verify', { challengeId, response })).status).toBe(401)
  })

  it('options for an unknown email look like those of a one-passkey user, and the decoy is stable', async () => {
    const known = await register(call)
    const unknownEmail = randomEmail()
    const a = await loginOptions({ email: known.email })
    const b = await loginOptions({ email: unknownEmail })
    const b2 = await loginOptions({ email: unknownEmail.toUpperCase() })
    const c = await loginOptions({ email: randomEmail() })
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort())
    expect(Object.keys(b.options).sort()).toEqual(Object.keys(a.options).sort())
    expect(b.options.allowCredentials).toHaveLength(1)
    expect(a.options.allowCredentials).toHaveLength(1)
    const [real, decoy] = [a.options.allowCredentials?.[0], b.options.allowCredentials?.[0]]
    expect(Object.keys(decoy ?? {}).sort()).toEqual(Object.keys(real ?? {}).sort())
    expect(decoy?.id.length).toBe(real?.id.length)
    expect(decoy?.transports).toEqual(real?.transports)
    expect(b2.options.allowCredentials).toEqual(b.options.allowCredentials)
    expect(c.options.allowCredentials).not.toEqual(b.options.allowCredentials)
    expect(b.options.challenge).not.toBe(b2.options.challenge)
  })

  const badBodies: [string, unknown][] = [
    ['email of the wrong type', { email: 1 }],
    ['not an email', { email: 'x' }],
    ['an unexpected key', { user: 'a' }],
    ['an array', []],
  ]
  it.each(badBodies)('options: %s → 400', async (_, body) => {
    const res = await post(call, '/auth/passkey/login/options', body)
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('ERR_VALIDATION')
  })

  it('verify with a malformed response → 400 and no challenge consumed', async () => {
    const r = await register(call)
    const { challengeId, options } = await loginOptions({ email: r.email })
    const bad = await post(call, '/auth/passkey/login/verify', {
      challengeId,
      response: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'x' } },
    })
    expect(bad.status).toBe(400)
    const response = await r.authenticator.get(options)
    expect((await post(call, '/auth/passkey/login/verify', { challengeId, response })).status).toBe(200)
  })
})
