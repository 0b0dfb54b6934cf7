import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { base64url } from '../../edge/lib/crypto.ts'
import type { Tamper } from '../support/webauthn/authenticator.ts'
import { type Clock, json, testApp } from './support/app.ts'
import {
  errorCode,
  newAuthenticator,
  post,
  RP_ID,
  RP_ORIGIN,
  randomEmail,
  register,
  registerOptions,
} from './support/auth-flows.ts'

const call = testApp()

describe('POST /auth/passkey/register/*', () => {
  it('registers with a real attestation: session by cookie and by Bearer, 8 recovery codes, nothing secret stored', async () => {
    const r = await register(call)
    expect(r.userId).toMatch(/^usr_/)
    expect(r.recoveryCodes).toHaveLength(8)
    expect(new Set(r.recoveryCodes).size).toBe(8)
    for (const code of r.recoveryCodes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/)
    expect(r.setCookie).toMatch(
      /^tuxedo_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict/,
    )

    const byBearer = await call('/auth/session', { headers: r.auth })
    expect(byBearer.status).toBe(200)
    expect(await json(byBearer)).toMatchObject({ user: { id: r.userId, email: r.email } })
    const cookie = r.setCookie.split(';')[0] ?? ''
    const byCookie = await call('/auth/session', { headers: { cookie } })
    expect(byCookie.status).toBe(200)
    expect((await json<{ session: { reauthAt: number } }>(byCookie)).session.reauthAt).toEqual(
      expect.any(Number),
    )

    const stored = await env.DB.prepare('SELECT code_hash FROM recovery_codes WHERE user_id = ?')
      .bind(r.userId)
      .all<{ code_hash: string }>()
    expect(stored.results).toHaveLength(8)
    const dump = JSON.stringify(stored.results)
    for (const code of r.recoveryCodes) expect(dump).not.toContain(code.replace('-', ''))
    const tokens = await env.DB.prepare('SELECT token_hash FROM sessions WHERE user_id = ?')
      .bind(r.userId)
      .all()
    expect(JSON.stringify(tokens.results)).not.toContain(r.token)
  })

  it('asks for user verification, a resident key and no attestation, with the configured RP', async () => {
    const { challengeId, options } = await registerOptions(call, randomEmail())
    expect(challengeId).toMatch(/^chl_/)
    expect(options.rp).toEqual({ id: RP_ID, name: expect.any(String) })
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    })
    expect(options.attestation).toBe('none')
  })

  it('answers options for a registered email exactly like for a new one', async () => {
    const known = await register(call)
    const a = await registerOptions(call, known.email)
    const b = await registerOptions(call, randomEmail())
    expect(Object.keys(a.options).sort()).toEqual(Object.keys(b.options).sort())
    expect(a.options.excludeCredentials).toEqual([])
    expect(a.options.user.id).not.toBe(base64url(new TextEncoder().encode(known.userId)))
    expect(a.options.user.id.length).toBe(b.options.user.id.length)
  })

  it('a second registration of an email gives the generic failure and changes nothing', async () => {
    const first = await register(call)
    const { challengeId, options } = await registerOptions(call, first.email)
    const response = await newAuthenticator().create(options)
    const res = await post(call, '/auth/passkey/register/verify', { challengeId, response })
    expect(res.status).toBe(401)
    expect(await json(res)).toMatchObject({
      code: 'ERR_AUTH_INVALID',
      message: 'passkey verification failed',
    })
    const n = await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE email = ?')
      .bind(first.email)
      .first()
    expect(n).toEqual({ n: 1 })
    expect(res.headers.get('set-cookie')).toBeNull()
  })

  const refused: [string, Tamper][] = [
    ['an unknown origin in clientDataJSON', { origin: 'https://evil.example' }],
    ['a look-alike origin', { origin: `${RP_ORIGIN}.evil.example` }],
    ['another RP ID in authenticator data', { rpId: 'evil.example' }],
    ['no user verification (UV flag clear)', { userVerified: false }],
    ['no user presence (UP flag clear)', { userPresent: false }],
    ['an assertion type instead of create', { type: 'webauthn.get' }],
    ['a different challenge', { challenge: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
  ]
  it.each(refused)('refuses %s, and the challenge is spent', async (_, tamper) => {
    const email = randomEmail()
    const { challengeId, options } = await registerOptions(call, email)
    const authenticator = newAuthenticator()
    const bad = await authenticator.create(options, tamper)
    const res = await post(call, '/auth/passkey/register/verify', { challengeId, response: bad })
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('ERR_AUTH_INVALID')
    // The same challenge cannot be retried with an honest response.
    const good = await newAuthenticator().create(options)
    const again = await post(call, '/auth/passkey/register/verify', { challengeId, response: good })
    expect(await errorCode(again)).toBe('ERR_AUTH_INVALID')
    const n = await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE email = ?').bind(email).first()
    expect(n).toEqual({ n: 0 })
  })

  it('a replayed registration (same challenge, same response) is refused', async () => {
    const { challengeId, options } = await registerOptions(call, randomEmail())
    const response = await newAuthenticator().create(options)
    expect((await post(call, '/auth/passkey/register/verify', { challengeId, response })).status).toBe(201)
    const replay = await post(call, '/auth/passkey/register/verify', { challengeId, response })
    expect(replay.status).toBe(401)
  })

  it('an expired challenge is refused (injected clock, 5 minutes)', async () => {
    const clock: Clock = { now: Date.now() }
    const timed = testApp({ clock })
    const { challengeId, options } = await registerOptions(timed, randomEmail())
    const response = await newAuthenticator().create(options)
    clock.now += 5 * 60_000
    const res = await post(timed, '/auth/passkey/register/verify', { challengeId, response })
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('ERR_AUTH_INVALID')
  })

  const badBodies: [string, unknown][] = [
    ['no email', {}],
    ['not an email', { email: 'nobody' }],
    ['email of the wrong type', { email: 42 }],
    ['an unexpected key', { email: 'a@b.example', admin: true }],
    ['an overlong email', { email: `${'a'.repeat(250)}@b.example` }],
  ]
  it.each(badBodies)('options: %s → 400 ERR_VALIDATION', async (_, body) => {
    const res = await post(call, '/auth/passkey/register/options', body)
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('ERR_VALIDATION')
  })

  const badVerify: [string, unknown][] = [
    ['no response', { challengeId: 'chl_AAAAAAAAAAAAAAAAAAAAAA' }],
    ['a malformed challenge id', { challengeId: 'x', response: {} }],
    [
      'a response that is not base64url',
      {
        challengeId: 'chl_AAAAAAAAAAAAAAAAAAAAAA',
        response: {
          id: 'a+b',
          rawId: 'a+b',
          type: 'public-key',
          response: { clientDataJSON: '{}', attestationObject: '!' },
        },
      },
    ],
    [
      'a response of the wrong type',
      {
        challengeId: 'chl_AAAAAAAAAAAAAAAAAAAAAA',
        response: {
          id: 'ab',
          rawId: 'ab',
          type: 'password',
          response: { clientDataJSON: 'ab', attestationObject: 'ab' },
        },
      },
    ],
  ]
  it.each(badVerify)('verify: %s → 400 ERR_VALIDATION', async (_, body) => {
    const res = await post(call, '/auth/passkey/register/verify', body)
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('ERR_VALIDATION')
  })

  it('an unknown challenge id is the generic failure', async () => {
    const { options } = await registerOptions(call, randomEmail())
    const response = await newAuthenticator().create(options)
    const res = await post(call, '/auth/passkey/register/verify', {
      challengeId: 'chl_AAAAAAAAAAAAAAAAAAAAAA',
      response,
    })
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('ERR_AUTH_INVALID')
  })
})
