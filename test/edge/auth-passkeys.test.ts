import { describe, expect, it } from 'vitest'
import type { PasskeyView } from '../../shared/schemas/auth.ts'
import { type Clock, json, signedInUser, testApp } from './support/app.ts'
import {
  addPasskey,
  errorCode,
  type Headers,
  login,
  newAuthenticator,
  type Options,
  post,
  proofFor,
  reauth,
  register,
} from './support/auth-flows.ts'

const call = testApp()

const list = async (auth: Headers, c = call) =>
  (await json<{ passkeys: PasskeyView[] }>(await c('/auth/passkeys', { headers: auth }))).passkeys
const remove = (id: string, auth: Headers, c = call, proof?: unknown) =>
  c(`/auth/passkeys/${id}`, {
    method: 'DELETE',
    headers: { ...auth, ...(proof ? { 'content-type': 'application/json' } : {}) },
    ...(proof ? { body: JSON.stringify({ proof }) } : {}),
  })

describe('passkeys: list, add, remove', () => {
  it('lists the registered passkey without its key material', async () => {
    const r = await register(call)
    const passkeys = await list(r.auth)
    expect(passkeys).toEqual([
      {
        id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        name: 'Passkey',
        createdAt: expect.any(Number),
        lastUsedAt: null,
        deviceType: 'multiDevice',
        backedUp: true,
      },
    ])
  })

  it('adds a second passkey with a new ceremony; both can log in', async () => {
    const r = await register(call)
    const laptop = newAuthenticator()
    const res = await addPasskey(call, laptop, r.auth, 'Laptop', r.authenticator)
    expect(res.status).toBe(201)
    expect((await json<{ passkey: PasskeyView }>(res)).passkey).toMatchObject({ name: 'Laptop' })
    expect((await list(r.auth)).map((p) => p.name)).toEqual(['Passkey', 'Laptop'])
    expect((await login(call, laptop, { email: r.email })).status).toBe(200)
    expect((await login(call, r.authenticator, { email: r.email })).status).toBe(200)
  })

  it('excludes the existing credentials, so the same authenticator cannot register twice', async () => {
    const r = await register(call)
    const res = await post(call, '/auth/passkeys/options', undefined, r.auth)
    const { options } = await json<Options<{ excludeCredentials: { id: string }[] }>>(res)
    expect(options.excludeCredentials.map((c) => c.id)).toEqual((await list(r.auth)).map((p) => p.id))
    await expect(addPasskey(call, r.authenticator, r.auth)).rejects.toThrow(/excluded/)
  })

  it('an add-passkey challenge from another session is refused', async () => {
    const r = await register(call)
    const other = await json<{ sessionToken: string }>(await login(call, r.authenticator, { email: r.email }))
    const res = await post(call, '/auth/passkeys/options', undefined, r.auth)
    const { challengeId, options } = await json<Options<never>>(res)
    const response = await newAuthenticator().create(options)
    const verify = await post(
      call,
      '/auth/passkeys/verify',
      { challengeId, response },
      { authorization: `Bearer ${other.sessionToken}` },
    )
    expect(verify.status).toBe(401)
    expect(await list(r.auth)).toHaveLength(1)
  })

  const needsSession: [string, string, string][] = [
    ['GET', '/auth/passkeys', 'ERR_AUTH_REQUIRED'],
    ['POST', '/auth/passkeys/options', 'ERR_AUTH_REQUIRED'],
    ['POST', '/auth/passkeys/verify', 'ERR_AUTH_REQUIRED'],
    ['DELETE', `/auth/passkeys/${'A'.repeat(43)}`, 'ERR_AUTH_REQUIRED'],
  ]
  it.each(needsSession)('%s %s without a session → 401', async (method, path, code) => {
    const res = await call(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'GET' ? null : '{}',
    })
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe(code)
  })

  it('removing needs a fresh assertion; after one it removes, and never the last passkey', async () => {
    const clock: Clock = { now: Date.now() }
    // The user's proofs add ceremonies (reauth options + verify each): room for them in the per-user limit.
    const timed = testApp({ clock, env: { RATE_LIMIT_AUTH: '30/1m' } })
    const r = await register(timed)
    expect((await addPasskey(timed, newAuthenticator(), r.auth, undefined, r.authenticator)).status).toBe(201)
    const [first, second] = await list(r.auth, timed)
    clock.now += 5 * 60_000 + 1 // the registration's freshness has passed
    const stale = await remove(second?.id ?? '', r.auth, timed)
    expect(stale.status).toBe(403)
    expect(await errorCode(stale)).toBe('ERR_AUTH_REAUTH_REQUIRED')
    expect((await reauth(timed, r.authenticator, r.auth)).status).toBe(200)
    // Fresh at the edge, but the signer wants the user's proof naming this very passkey.
    const unproven = await remove(second?.id ?? '', r.auth, timed)
    expect(await errorCode(unproven)).toBe('ERR_USER_PROOF_REQUIRED')
    expect(await list(r.auth, timed)).toHaveLength(2)
    const operation = { method: 'passkeys.remove', credentialId: second?.id ?? '' }
    const proof = await proofFor(timed, r.authenticator, r.auth, operation)
    const ok = await remove(second?.id ?? '', r.auth, timed, proof)
    expect(ok.status).toBe(200)
    const last = await remove(first?.id ?? '', r.auth, timed)
    expect(last.status).toBe(409)
    expect(await errorCode(last)).toBe('ERR_AUTH_LAST_PASSKEY')
    expect(await list(r.auth, timed)).toHaveLength(1)
  })

  it("another user's passkey id answers like a missing one", async () => {
    const alice = await register(call)
    await addPasskey(call, newAuthenticator(), alice.auth, undefined, alice.authenticator)
    const bob = await register(call)
    expect((await addPasskey(call, newAuthenticator(), bob.auth, undefined, bob.authenticator)).status).toBe(
      201,
    )
    const [alicesKey] = await list(alice.auth)
    const theirs = await remove(alicesKey?.id ?? '', bob.auth)
    const missing = await remove('A'.repeat(43), bob.auth)
    expect(theirs.status).toBe(404)
    expect(missing.status).toBe(404)
    expect({ ...(await json(theirs)), requestId: '' }).toEqual({ ...(await json(missing)), requestId: '' })
    expect(await list(alice.auth)).toHaveLength(2)
  })

  const badIds: [string][] = [['not+base64url'], ['has%20space'], ['x'.repeat(1400)]]
  it.each(badIds)('DELETE with a malformed id %# → 400', async (id) => {
    const u = await signedInUser({ fresh: true })
    const res = await remove(id, u.auth)
    expect(res.status).toBe(400)
  })
})
