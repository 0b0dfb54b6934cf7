/**
 * accounts.*: create, import, list, get, export, delete, and isolation: user B cannot get, list, sign with,
 * export or delete user A's account, and gets exactly the answer a missing account gets.
 */
import { Keypair } from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardAgainstLeaks, startTestSigner, type TestSigner } from './helpers.ts'
import { paymentXdr } from './tx-fixtures.ts'

guardAgainstLeaks()

let t: TestSigner
beforeAll(async () => {
  t = await startTestSigner()
  // Passkeys first, as the edge registers them: import and export need the user's proof.
  for (const userId of ['user_a', 'user_b']) await t.client.prover.enrol(userId)
})
afterAll(async () => {
  await t.stop()
})

const asA = { userId: 'user_a' }
const asB = { userId: 'user_b' }

describe('accounts', () => {
  it('creates an account with an opaque id distinct from the public key', async () => {
    const reply = await t.client.call('accounts.create', { kind: 'agent', name: 'bot' }, asA)
    expect(reply.status).toBe(200)
    const r = reply.body.result
    expect(r?.accountId).toMatch(/^acc_/)
    expect(r?.publicKey).toMatch(/^G[A-Z2-7]{55}$/)
    expect(r).toMatchObject({ kind: 'agent', name: 'bot' })
    const got = await t.client.call('accounts.get', { accountId: r?.accountId }, asA)
    expect(got.body.result).toEqual(r)
  })

  it('imports a secret, exports the same one, and never echoes it elsewhere', async () => {
    const kp = Keypair.random()
    const imported = await t.client.proven('accounts.import', { secret: kp.secret(), name: 'mine' }, asA)
    expect(imported.status).toBe(200)
    expect(imported.body.result?.publicKey).toBe(kp.publicKey())
    expect(imported.body.result?.kind).toBe('user')
    const exported = await t.client.proven(
      'accounts.export',
      { accountId: imported.body.result?.accountId ?? '' },
      asA,
    )
    expect(exported.body.result?.secret).toBe(kp.secret())
    expect(t.logs.join('\n')).not.toContain(kp.secret())
  })

  it.each([
    // A seal has a fixed size: a plaintext of any other length does not even fit the schema.
    ['not a seed (short)', 'SNOTASEED', 'ERR_VALIDATION'],
    ['bad checksum', `S${'A'.repeat(55)}`, 'ERR_ACCOUNT_SECRET_INVALID'],
    ['a public key', Keypair.random().publicKey(), 'ERR_ACCOUNT_SECRET_INVALID'],
  ])('refuses to import %s, sealed', async (_name, secret, code) => {
    const before = await t.client.call('accounts.list', {}, asA)
    // With a genuine proof over this seal: what refuses it is the sealed content, not a missing proof.
    const reply = await t.client.proven('accounts.import', { secret }, asA)
    expect(reply.status).toBe(400)
    expect(reply.body.error?.code).toBe(code)
    expect(await t.client.call('accounts.list', {}, asA)).toEqual(before)
  })

  it('keeps key uniqueness per user, not global', async () => {
    const kp = Keypair.random()
    expect((await t.client.proven('accounts.import', { secret: kp.secret() }, asA)).status).toBe(200)
    const again = await t.client.proven('accounts.import', { secret: kp.secret() }, asA)
    expect(again.body.error?.code).toBe('ERR_ACCOUNT_EXISTS')
    // User B importing the same key learns nothing about user A.
    expect((await t.client.proven('accounts.import', { secret: kp.secret() }, asB)).status).toBe(200)
  })

  it("deletes an account, with the user's proof", async () => {
    const created = await t.client.call('accounts.create', { kind: 'user' }, asA)
    const accountId = created.body.result?.accountId ?? ''
    expect((await t.client.proven('accounts.delete', { accountId }, asA)).body.result).toEqual({
      accountId,
      deleted: true,
    })
    expect((await t.client.call('accounts.get', { accountId }, asA)).body.error?.code).toBe(
      'ERR_ACCOUNT_NOT_FOUND',
    )
  })
})

describe('isolation between users', () => {
  let victim: { accountId: string; publicKey: string }
  const missing = 'acc_doesnotexist000000000'
  beforeAll(async () => {
    const r = await t.client.call('accounts.create', { kind: 'user', name: 'victim' }, asA)
    victim = { accountId: r.body.result?.accountId ?? '', publicKey: r.body.result?.publicKey ?? '' }
  })

  it('does not list A’s accounts to B', async () => {
    const list = await t.client.call('accounts.list', {}, { userId: 'user_c' })
    expect(list.body.result?.accounts).toEqual([])
    const listA = await t.client.call('accounts.list', {}, asA)
    expect(listA.body.result?.accounts.map((a) => a.accountId)).toContain(victim.accountId)
  })

  it.each([
    ['accounts.get', () => ({ accountId: victim.accountId }), (id: string) => ({ accountId: id })],
    ['accounts.export', () => ({ accountId: victim.accountId }), (id: string) => ({ accountId: id })],
    ['accounts.delete', () => ({ accountId: victim.accountId }), (id: string) => ({ accountId: id })],
    [
      'tx.sign',
      () => ({ accountId: victim.accountId, xdr: paymentXdr(victim.publicKey) }),
      (id: string) => ({ accountId: id, xdr: paymentXdr(victim.publicKey) }),
    ],
  ])('%s on A’s account as B answers exactly like a missing account', async (method, theirs, absent) => {
    const other = await t.client.call(method, theirs(), asB)
    const none = await t.client.call(method, absent(missing), asB)
    expect(other.status).toBe(404)
    expect(other).toEqual(none)
    expect(other.body).toEqual({
      ok: false,
      error: { code: 'ERR_ACCOUNT_NOT_FOUND', message: 'account not found' },
    })
    // And A's account is untouched.
    expect((await t.client.call('accounts.get', { accountId: victim.accountId }, asA)).status).toBe(200)
  })
})
