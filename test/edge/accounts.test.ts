import { Keypair } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { sealedDigest } from '../../shared/seed-seal.ts'
import { json, signedInUser, testApp } from './support/app.ts'
import {
  deleteWithProof,
  exportWithProof,
  importWithProof,
  proofFor,
  register,
} from './support/auth-flows.ts'
import { exportKey, openExport, sealedImport } from './support/seal.ts'

const call = testApp()
const post = (auth: Record<string, string>, path: string, body?: unknown) =>
  call(path, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

type Account = { accountId: string; publicKey: string; kind: string; name: string | null }

describe('accounts API', () => {
  it('needs a session', async () => {
    for (const [method, path] of [
      ['GET', '/api/accounts'],
      ['POST', '/api/accounts'],
      ['GET', '/api/agent/accounts'],
      ['POST', '/api/transactions/submit-signed'],
      ['GET', `/api/accounts/acc_${'A'.repeat(22)}/payments`],
    ] as const) {
      const res = await call(path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? '{}' : null,
      })
      expect(res.status, `${method} ${path}`).toBe(401)
      expect((await json(res)).code).toBe('ERR_AUTH_REQUIRED')
    }
    const forged = await call('/api/accounts', { headers: { authorization: `Bearer ${'A'.repeat(43)}` } })
    expect(forged.status).toBe(401)
  })

  it('creates, lists, gets and (with a fresh passkey) deletes an account', async () => {
    const user = await signedInUser()
    const created = await post(user.auth, '/api/accounts', { name: 'Savings', kind: 'user' })
    expect(created.status).toBe(201)
    const acc = await json<Account>(created)
    expect(acc).toMatchObject({ kind: 'user', name: 'Savings' })
    expect(acc.accountId).toMatch(/^acc_/)
    expect(acc.publicKey).toMatch(/^G[A-Z2-7]{55}$/)
    expect(JSON.stringify(acc)).not.toMatch(/\bS[A-Z2-7]{55}\b/)

    const list = await json<{ accounts: (Account & { funded: boolean | null })[] }>(
      await call('/api/accounts', { headers: user.auth }),
    )
    expect(list.accounts.map((a) => a.accountId)).toEqual([acc.accountId])

    const one = await call(`/api/accounts/${acc.accountId}`, { headers: user.auth })
    expect(one.status).toBe(200)
    expect((await json<Account>(one)).publicKey).toBe(acc.publicKey)

    // Deleting needs a passkey assertion from the last five minutes.
    const stale = await call(`/api/accounts/${acc.accountId}`, { method: 'DELETE', headers: user.auth })
    expect(stale.status).toBe(403)
    expect((await json(stale)).code).toBe('ERR_AUTH_REAUTH_REQUIRED')
    const fresh = await signedInUser({ fresh: true })
    const other = await call(`/api/accounts/${acc.accountId}`, { method: 'DELETE', headers: fresh.auth })
    expect(other.status).toBe(404)
  })

  it("delete needs the user's proof for this account: without one, or with one for another, nothing is deleted", async () => {
    const r = await register(call)
    const mine = async () => json<Account>(await post(r.auth, '/api/accounts', { kind: 'user', name: 'Old' }))
    const [acc, other] = [await mine(), await mine()]
    const del = (id: string, body?: unknown) =>
      call(`/api/accounts/${id}`, {
        method: 'DELETE',
        headers: { ...r.auth, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    // A fresh session alone is not enough: the signer wants the user's proof (an empty body is no proof).
    await proofFor(call, r.authenticator, r.auth, { method: 'accounts.delete', accountId: other.accountId })
    const bare = await del(acc.accountId)
    expect([bare.status, (await json(bare)).code]).toEqual([401, 'ERR_USER_PROOF_REQUIRED'])
    const forOther = await proofFor(call, r.authenticator, r.auth, {
      method: 'accounts.delete',
      accountId: other.accountId,
    })
    const mismatched = await del(acc.accountId, { proof: forOther })
    expect([mismatched.status, (await json(mismatched)).code]).toEqual([403, 'ERR_USER_PROOF_MISMATCH'])
    expect((await call(`/api/accounts/${acc.accountId}`, { headers: r.auth })).status).toBe(200)

    const done = await deleteWithProof(call, r, acc.accountId)
    expect(done.status).toBe(200)
    expect(await json(done)).toEqual({ accountId: acc.accountId, deleted: true })
    expect((await call(`/api/accounts/${acc.accountId}`, { headers: r.auth })).status).toBe(404)
    expect((await call(`/api/accounts/${other.accountId}`, { headers: r.auth })).status).toBe(200)
  })

  it('agent accounts: POST {account_name} makes kind=agent, GET lists only agents', async () => {
    const user = await signedInUser()
    await post(user.auth, '/api/accounts', { kind: 'user' })
    const made = await post(user.auth, '/api/agent/accounts', { account_name: 'Trading bot' })
    expect(made.status).toBe(201)
    expect(await json(made)).toMatchObject({ kind: 'agent', name: 'Trading bot' })
    const agents = await json<{ accounts: Account[] }>(
      await call('/api/agent/accounts', { headers: user.auth }),
    )
    expect(agents.accounts.map((a) => a.kind)).toEqual(['agent'])
  })

  it('import needs a fresh passkey; with one, the sealed secret is accepted and never echoed', async () => {
    const kp = Keypair.random()
    const user = await signedInUser()
    const stale = await post(user.auth, '/api/accounts/import', {
      sealed: await sealedImport(call, user.auth, kp.secret()),
    })
    expect(stale.status).toBe(403)
    // A fresh session alone is the edge's word: the signer wants the user's own proof too.
    const fresh = await signedInUser({ fresh: true })
    const sealed = await sealedImport(call, fresh.auth, kp.secret())
    const unproven = await post(fresh.auth, '/api/accounts/import', { sealed, name: 'Imported' })
    expect(unproven.status).toBe(401)
    expect((await json(unproven)).code).toBe('ERR_USER_PROOF_REQUIRED')
    const res = await importWithProof(call, await register(call), kp.secret(), 'Imported')
    expect(res.status).toBe(201)
    const text = await res.text()
    expect(text).toContain(kp.publicKey())
    expect(text).not.toContain(kp.secret())
  })

  it.each([
    ['a seed in clear', { secret: Keypair.random().secret() }],
    [
      'a seed in clear beside a seal',
      { secret: Keypair.random().secret(), sealed: { enc: 'A'.repeat(43), ciphertext: 'A'.repeat(96) } },
    ],
    [
      'a seed in the ciphertext field',
      { sealed: { enc: 'A'.repeat(43), ciphertext: Keypair.random().secret() } },
    ],
    ['extra key', { sealed: { enc: 'A'.repeat(43), ciphertext: 'A'.repeat(96) }, userId: 'usr_x' }],
    ['number', { secret: 12 }],
  ])('import rejects %s without echoing it', async (_label, body) => {
    const fresh = await signedInUser({ fresh: true })
    const res = await post(fresh.auth, '/api/accounts/import', body)
    expect(res.status).toBe(400)
    const text = await res.text()
    if ('secret' in body && typeof body.secret === 'string') expect(text).not.toContain(body.secret)
    expect(text).not.toMatch(/S[A-Z2-7]{55}/)
    expect(
      (await json<{ accounts: unknown[] }>(await call('/api/accounts', { headers: fresh.auth }))).accounts,
    ).toEqual([])
  })

  it('import with a genuine proof over a seal that does not open: ERR_SEAL_INVALID, nothing stored', async () => {
    const r = await register(call)
    const sealed = { enc: 'A'.repeat(43), ciphertext: 'A'.repeat(96) }
    const operation = { method: 'accounts.import', sealedDigest: await sealedDigest(sealed) }
    const proof = await proofFor(call, r.authenticator, r.auth, operation)
    const res = await post(r.auth, '/api/accounts/import', { sealed, proof })
    expect([res.status, (await json<{ code: string }>(res)).code]).toEqual([400, 'ERR_SEAL_INVALID'])
    expect(
      (await json<{ accounts: unknown[] }>(await call('/api/accounts', { headers: r.auth }))).accounts,
    ).toEqual([])
  })

  it('export needs a fresh passkey and answers no-store', async () => {
    const fresh = await register(call)
    const acc = await json<Account>(await post(fresh.auth, '/api/accounts', { kind: 'user' }))
    const unproven = await post(fresh.auth, `/api/accounts/${acc.accountId}/export`, {
      recipientPublicKey: (await exportKey()).recipientPublicKey,
    })
    expect(unproven.status).toBe(401)
    expect((await json(unproven)).code).toBe('ERR_USER_PROOF_REQUIRED')
    const { res, key } = await exportWithProof(call, fresh, acc.accountId)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const exported = await json<{ sealed: { enc: string; ciphertext: string }; publicKey: string }>(res)
    const secret = await openExport(key, exported.sealed, fresh.userId, acc.accountId)
    expect(Keypair.fromSecret(secret ?? '').publicKey()).toBe(acc.publicKey)
    // Without a key to seal to, there is no export at all.
    const bare = await post(fresh.auth, `/api/accounts/${acc.accountId}/export`)
    expect(bare.status).toBe(400)
  })

  it.each([['acc_'], ['acc_short'], [`G${'A'.repeat(55)}`], ['../../etc'], ['acc_%27%20OR%201=1']])(
    'an invalid account id %j is a 400, not a lookup',
    async (id) => {
      const user = await signedInUser()
      const res = await call(`/api/accounts/${id}`, { headers: user.auth })
      expect([400, 404]).toContain(res.status)
      if (res.status === 400) expect((await json(res)).code).toBe('ERR_VALIDATION')
    },
  )
})

describe('isolation between users', () => {
  it("user B cannot see, fund, export or delete user A's account; the answer equals a missing id", async () => {
    const a = await signedInUser({ fresh: true })
    const b = await signedInUser({ fresh: true })
    const acc = await json<Account>(await post(a.auth, '/api/accounts', { kind: 'user', name: 'A' }))
    const missing = `acc_${'Z'.repeat(22)}`
    const attempts: [string, string, string][] = [
      ['GET', '', 'see'],
      ['GET', '/transactions', 'history'],
      ['GET', '/payments', 'payments'],
      ['POST', '/fund', 'fund'],
      ['POST', '/export', 'export'],
      ['DELETE', '', 'delete'],
    ]
    for (const [method, suffix, what] of attempts) {
      // An export must name a key to seal to; B brings one of its own.
      const init =
        suffix === '/export'
          ? {
              method,
              headers: { ...b.auth, 'content-type': 'application/json' },
              body: JSON.stringify({ recipientPublicKey: (await exportKey()).recipientPublicKey }),
            }
          : { method, headers: b.auth }
      const theirs = await call(`/api/accounts/${acc.accountId}${suffix}`, init)
      const none = await call(`/api/accounts/${missing}${suffix}`, init)
      expect(theirs.status, what).toBe(404)
      expect(none.status, what).toBe(404)
      const [t, n] = [await json(theirs), await json(none)]
      expect({ code: t.code, message: t.message }, what).toEqual({ code: n.code, message: n.message })
    }
    const listB = await json<{ accounts: Account[] }>(await call('/api/accounts', { headers: b.auth }))
    expect(listB.accounts).toHaveLength(0)
    // A still has it, untouched.
    expect((await call(`/api/accounts/${acc.accountId}`, { headers: a.auth })).status).toBe(200)
  })
})

describe('accounts on the ledger (Horizon stand-in)', () => {
  it('fund → balances appear; transactions list the friendbot payment', async () => {
    const user = await signedInUser()
    const acc = await json<Account>(await post(user.auth, '/api/accounts', { kind: 'user' }))
    const before = await json<{ funded: boolean; balances: unknown[] }>(
      await call(`/api/accounts/${acc.accountId}`, { headers: user.auth }),
    )
    expect(before).toMatchObject({ funded: false, balances: [] })

    const funded = await post(user.auth, `/api/accounts/${acc.accountId}/fund`)
    expect(funded.status).toBe(200)
    const after = await json<{ funded: boolean; balances: { asset: string; balance: string }[] }>(
      await call(`/api/accounts/${acc.accountId}`, { headers: user.auth }),
    )
    expect(after.funded).toBe(true)
    expect(after.balances).toContainEqual({ asset: 'native', balance: '10000.0000000' })

    const again = await post(user.auth, `/api/accounts/${acc.accountId}/fund`)
    expect(again.status).toBe(409)
    expect((await json(again)).code).toBe('ERR_ACCOUNT_EXISTS')

    const list = await json<{ accounts: { funded: boolean }[] }>(
      await call('/api/accounts', { headers: user.auth }),
    )
    expect(list.accounts[0]?.funded).toBe(true)

    // What moved, as this account saw it: friendbot's create_account, received.
    const payments = await call(`/api/accounts/${acc.accountId}/payments?limit=5`, { headers: user.auth })
    expect(payments.status).toBe(200)
    const body = await json<{ accountId: string; payments: Record<string, unknown>[] }>(payments)
    expect(body.accountId).toBe(acc.accountId)
    expect(body.payments).toHaveLength(1)
    expect(body.payments[0]).toMatchObject({
      kind: 'create_account',
      direction: 'received',
      amount: '10000.0000000',
      asset: 'native',
      successful: true,
      counterparty: expect.stringMatching(/^G[A-Z2-7]{55}$/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
  })

  it('fund on mainnet is ERR_NETWORK_UNSUPPORTED', async () => {
    const mainnet = testApp({
      env: { STELLAR_NETWORK: 'mainnet', NETWORK_PASSPHRASE: '', FRIENDBOT_URL: '', PROTOCOL_CONTRACTS: '' },
    })
    const user = await signedInUser()
    // The signer is on the test network, so create through the default app, fund through the mainnet one.
    const acc = await json<Account>(await post(user.auth, '/api/accounts', { kind: 'user' }))
    const res = await mainnet(`/api/accounts/${acc.accountId}/fund`, { method: 'POST', headers: user.auth })
    expect(res.status).toBe(400)
    expect((await json(res)).code).toBe('ERR_NETWORK_UNSUPPORTED')
  })
})
