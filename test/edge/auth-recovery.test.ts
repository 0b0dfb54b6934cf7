import { describe, expect, it } from 'vitest'
import { json, testApp } from './support/app.ts'
import { addPasskey, errorCode, newAuthenticator, post, randomEmail, register } from './support/auth-flows.ts'

const call = testApp({ env: { RATE_LIMIT_RECOVERY: '5/1h' } })
const recover = (email: string, code: string) => post(call, '/auth/recovery/verify', { email, code })
const WRONG = 'aaaaa-aaaaa'

describe('POST /auth/recovery/verify', () => {
  it('a code gives a session that is not fresh, can add a passkey, and works once', async () => {
    const r = await register(call)
    const code = r.recoveryCodes[3] ?? ''
    const res = await recover(r.email, code)
    expect(res.status).toBe(200)
    const body = await json<{ user: { id: string }; sessionToken: string; recoveryCodesLeft: number }>(res)
    expect(body.user.id).toBe(r.userId)
    expect(body.recoveryCodesLeft).toBe(7)
    expect(res.headers.get('set-cookie')).toContain(body.sessionToken)
    const auth = { authorization: `Bearer ${body.sessionToken}` }
    const session = await json<{ session: { reauthAt: number | null } }>(
      await call('/auth/session', { headers: auth }),
    )
    expect(session.session.reauthAt).toBeNull()
    expect((await addPasskey(call, newAuthenticator(), auth)).status).toBe(201)
    // The signer's grant from the code covers one passkey: a second needs a proof from an existing one.
    expect(await errorCode(await addPasskey(call, newAuthenticator(), auth))).toBe('ERR_USER_PROOF_REQUIRED')
    // Signing in with a code revoked the user's other sessions (whoever held them may be the attacker).
    expect((await call('/auth/session', { headers: r.auth })).status).toBe(401)
    // Not fresh: a passkey cannot be removed on the strength of a recovery code.
    const del = await call(`/auth/passkeys/${'A'.repeat(43)}`, { method: 'DELETE', headers: auth })
    expect(await errorCode(del)).toBe('ERR_AUTH_REAUTH_REQUIRED')

    const again = await recover(r.email, code)
    expect(again.status).toBe(401)
    expect(await errorCode(again)).toBe('ERR_AUTH_INVALID')
  })

  it('accepts the code in any case and without the dash', async () => {
    const r = await register(call)
    const code = (r.recoveryCodes[0] ?? '').toUpperCase().replace('-', '')
    expect((await recover(r.email, code)).status).toBe(200)
  })

  it("another user's code is not accepted", async () => {
    const alice = await register(call)
    const bob = await register(call)
    const res = await recover(alice.email, bob.recoveryCodes[0] ?? '')
    expect(res.status).toBe(401)
  })

  it('locks after 5 failures: the 6th try is 429 with Retry-After even with a right code', async () => {
    const r = await register(call)
    for (let i = 0; i < 5; i++) expect((await recover(r.email, WRONG)).status).toBe(401)
    const locked = await recover(r.email, r.recoveryCodes[0] ?? '')
    expect(locked.status).toBe(429)
    expect(await errorCode(locked)).toBe('ERR_AUTH_RECOVERY_LOCKED')
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(locked.headers.get('set-cookie')).toBeNull()
  })

  it('an unknown email fails and locks exactly like a known one', async () => {
    const known = await register(call)
    const unknown = randomEmail()
    const seen: [number, string][][] = [[], []]
    for (let i = 0; i < 6; i++) {
      for (const [j, email] of [known.email, unknown].entries()) {
        const res = await recover(email, WRONG)
        const body = await json<{ code: string; message: string }>(res)
        seen[j]?.push([res.status, `${body.code}: ${body.message}`])
      }
    }
    expect(seen[0]).toEqual(seen[1])
    expect(seen[0]?.map(([s]) => s)).toEqual([401, 401, 401, 401, 401, 429])
  })

  const bad: [string, unknown][] = [
    ['no code', { email: 'a@b.example' }],
    ['no email', { code: WRONG }],
    ['a code of the wrong alphabet', { email: 'a@b.example', code: '00000-11111' }],
    ['a code too short', { email: 'a@b.example', code: 'abcde' }],
    ['a code of the wrong type', { email: 'a@b.example', code: 12345 }],
    ['an unexpected key', { email: 'a@b.example', code: WRONG, remember: true }],
  ]
  it.each(bad)('%s → 400 and no attempt counted', async (_, body) => {
    const res = await post(call, '/auth/recovery/verify', body)
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('ERR_VALIDATION')
  })

  it('malformed requests do not count toward the lock-out', async () => {
    const r = await register(call)
    for (let i = 0; i < 6; i++) await post(call, '/auth/recovery/verify', { email: r.email, code: 'nope' })
    expect((await recover(r.email, r.recoveryCodes[0] ?? '')).status).toBe(200)
  })
})
