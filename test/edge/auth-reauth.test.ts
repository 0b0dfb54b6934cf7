import { env } from 'cloudflare:workers'
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { Keypair } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { challengeCommitsTo, createChallenge } from '../../edge/auth/challenges.ts'
import { base64url } from '../../edge/lib/crypto.ts'
import type { Tamper } from '../support/webauthn/authenticator.ts'
import { type Clock, json, testApp } from './support/app.ts'
import { errorCode, type Headers, login, type Options, post, reauth, register } from './support/auth-flows.ts'
import { sealedImport } from './support/seal.ts'

const MINUTE = 60_000

const importAccount = async (c: ReturnType<typeof testApp>, auth: Headers) =>
  post(c, '/api/accounts/import', { sealed: await sealedImport(c, auth, Keypair.random().secret()) }, auth)

async function reauthOptions(c: ReturnType<typeof testApp>, auth: Headers) {
  const res = await post(c, '/auth/reauth/options', undefined, auth)
  expect(res.status).toBe(200)
  return json<Options<PublicKeyCredentialRequestOptionsJSON>>(res)
}

describe('POST /auth/reauth/*', () => {
  it('a fresh assertion opens requireFreshAuth routes for 5 minutes', async () => {
    const clock: Clock = { now: Date.now() }
    const c = testApp({ clock })
    const r = await register(c)
    clock.now += 6 * MINUTE
    const before = await importAccount(c, r.auth)
    expect(before.status).toBe(403)
    expect(await errorCode(before)).toBe('ERR_AUTH_REAUTH_REQUIRED')

    const res = await reauth(c, r.authenticator, r.auth)
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ reauthAt: clock.now })
    const after = await importAccount(c, r.auth)
    // Past the edge's check: now the signer asks for the user's own proof of this very import.
    expect(after.status).toBe(401)
    expect(await errorCode(after)).toBe('ERR_USER_PROOF_REQUIRED')

    clock.now += 5 * MINUTE + 1
    const expired = await importAccount(c, r.auth)
    expect(expired.status).toBe(403)
    expect(await errorCode(expired)).toBe('ERR_AUTH_REAUTH_REQUIRED')
  })

  it('offers exactly this user’s passkeys', async () => {
    const r = await register(testApp())
    const { options } = await reauthOptions(testApp(), r.auth)
    expect(options.allowCredentials?.map((d) => d.id)).toEqual([
      base64url(r.authenticator.credentials[0]!.id),
    ])
    expect(options.userVerification).toBe('required')
  })

  const refused: [string, Tamper][] = [
    ['a tampered signature', { flipSignature: true }],
    ['no user verification', { userVerified: false }],
    ['an unknown origin', { origin: 'https://evil.example' }],
    ['another RP ID', { rpId: 'evil.example' }],
  ]
  it.each(refused)('refuses %s and stays stale', async (_, tamper) => {
    const clock: Clock = { now: Date.now() }
    const c = testApp({ clock })
    const r = await register(c)
    clock.now += 6 * MINUTE
    const res = await reauth(c, r.authenticator, r.auth, tamper)
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('ERR_AUTH_INVALID')
    const session = await json<{ session: { reauthAt: number } }>(
      await c('/auth/session', { headers: r.auth }),
    )
    expect(clock.now - session.session.reauthAt).toBeGreaterThan(5 * MINUTE)
  })

  it('a reauth challenge of another session of the same user is refused', async () => {
    const c = testApp()
    const r = await register(c)
    const other = await json<{ sessionToken: string }>(await login(c, r.authenticator, { email: r.email }))
    const { challengeId, options } = await reauthOptions(c, r.auth)
    const response = await r.authenticator.get(options)
    const res = await post(
      c,
      '/auth/reauth/verify',
      { challengeId, response },
      { authorization: `Bearer ${other.sessionToken}` },
    )
    expect(res.status).toBe(401)
  })

  it('a login challenge cannot be spent as a reauth, nor a reauth challenge as a login', async () => {
    const c = testApp()
    const r = await register(c)
    const loginRes = await post(c, '/auth/passkey/login/options', { email: r.email })
    const loginOpts = await json<Options<PublicKeyCredentialRequestOptionsJSON>>(loginRes)
    const asReauth = await post(
      c,
      '/auth/reauth/verify',
      { challengeId: loginOpts.challengeId, response: await r.authenticator.get(loginOpts.options) },
      r.auth,
    )
    expect(asReauth.status).toBe(401)
    const re = await reauthOptions(c, r.auth)
    const asLogin = await post(c, '/auth/passkey/login/verify', {
      challengeId: re.challengeId,
      response: await r.authenticator.get(re.options),
    })
    expect(asLogin.status).toBe(401)
  })

  it('needs a session', async () => {
    const c = testApp()
    for (const path of ['/auth/reauth/options', '/auth/reauth/verify']) {
      const res = await post(c, path, {})
      expect(res.status).toBe(401)
      expect(await errorCode(res)).toBe('ERR_AUTH_REQUIRED')
    }
  })

  it('an approval challenge commits to its binding (for issue 6)', async () => {
    const txHash = 'ab'.repeat(32)
    const ch = await createChallenge(env.DB, { purpose: 'approve', binding: txHash, now: Date.now() })
    expect(await challengeCommitsTo(ch.challenge, 'approve', txHash)).toBe(true)
    expect(await challengeCommitsTo(ch.challenge, 'approve', 'cd'.repeat(32))).toBe(false)
    expect(await challengeCommitsTo(ch.challenge, 'reauth', txHash)).toBe(false)
  })
})
