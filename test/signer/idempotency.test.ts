/** requestId replay and conflicts, the issuedAt window, concurrent duplicates, and no secret at rest. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Keypair } from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardAgainstLeaks, SEED_RE, startTestSigner, type TestSigner } from './helpers.ts'
import { paymentXdr } from './tx-fixtures.ts'

guardAgainstLeaks()

let t: TestSigner
beforeAll(async () => {
  t = await startTestSigner()
})
afterAll(async () => {
  await t.stop()
})

const auditCount = async (userId: string) =>
  (await t.client.call('audit.list', { limit: 500 }, { userId })).body.result?.entries.filter(
    (e) => e.method === 'tx.sign',
  ).length ?? 0

describe('idempotency', () => {
  it('returns the first response for a repeated requestId without doing the work again', async () => {
    const env = { requestId: 'req_replay_0001', userId: 'user_r' }
    const first = await t.client.call('accounts.create', { kind: 'agent' }, env)
    const second = await t.client.call('accounts.create', { kind: 'agent' }, env)
    expect(second).toEqual(first)
    const list = await t.client.call('accounts.list', {}, { userId: 'user_r' })
    expect(list.body.result?.accounts).toHaveLength(1)
  })

  it('stores refusals too: a retried denied sign stays denied and is audited once', async () => {
    const env = { requestId: 'req_replay_0002', userId: 'user_r2' }
    const before = await auditCount('user_r2')
    const a = await t.client.call('tx.sign', { accountId: 'acc_missing00000000000', xdr: 'AAAA' }, env)
    const b = await t.client.call('tx.sign', { accountId: 'acc_missing00000000000', xdr: 'AAAA' }, env)
    expect(b).toEqual(a)
    expect(await auditCount('user_r2')).toBe(before + 1)
  })

  it.each([
    ['other params', 'accounts.create', { kind: 'user' }, 'user_c1'],
    ['other user', 'accounts.create', { kind: 'agent' }, 'user_c2'],
    ['other method', 'accounts.list', {}, 'user_c1'],
  ])('refuses the same requestId with %s', async (_name, method, params, userId) => {
    await t.client.call(
      'accounts.create',
      { kind: 'agent' },
      { requestId: `req_conflict_${_name.replace(' ', '_')}`, userId: 'user_c1' },
    )
    const reply = await t.client.call(method, params, {
      requestId: `req_conflict_${_name.replace(' ', '_')}`,
      userId,
    })
    expect(reply.status).toBe(409)
    expect(reply.body.error?.code).toBe('ERR_SIGNER_REQUEST_CONFLICT')
  })

  it('never double-signs or double-creates under concurrent duplicates', async () => {
    const env = { requestId: 'req_concurrent_01', userId: 'user_cc' }
    const replies = await Promise.all(
      Array.from({ length: 24 }, () => t.client.call('accounts.create', { kind: 'agent' }, env)),
    )
    for (const r of replies) expect(r).toEqual(replies[0])
    expect(
      (await t.client.call('accounts.list', {}, { userId: 'user_cc' })).body.result?.accounts,
    ).toHaveLength(1)
    const pub = replies[0]?.body.result?.publicKey ?? ''
    const accountId = replies[0]?.body.result?.accountId
    const signEnv = { requestId: 'req_concurrent_02', userId: 'user_cc' }
    const xdr = paymentXdr(pub)
    const signs = await Promise.all(
      Array.from({ length: 24 }, () => t.client.call('tx.sign', { accountId, xdr }, signEnv)),
    )
    for (const r of signs) expect(r).toEqual(signs[0])
    const entries = (await t.client.call('audit.list', {}, { userId: 'user_cc' })).body.result?.entries ?? []
    expect(entries.filter((e) => e.method === 'tx.sign')).toHaveLength(1)
  })
})

describe('issuedAt window', () => {
  it.each([
    ['61 s in the past', -61_000, 400],
    ['61 s in the future', 61_000, 400],
    ['an hour old', -3_600_000, 400],
    ['epoch zero', Number.NaN, 400],
    ['59 s in the past', -59_000, 200],
    ['59 s in the future', 59_000, 200],
  ])('issuedAt %s → %i', async (_name, offset, status) => {
    const issuedAt = Number.isNaN(offset) ? 0 : Date.now() + offset
    const reply = await t.client.call('accounts.list', {}, { issuedAt })
    expect(reply.status).toBe(status)
    if (status === 400) expect(reply.body.error?.code).toBe('ERR_SIGNER_REQUEST_STALE')
  })
})

describe('secrets at rest', () => {
  it('keeps no seed in the database, even after an export and its replay', async () => {
    const kp = Keypair.random()
    const imp = await t.client.proven('accounts.import', { secret: kp.secret() }, { userId: 'user_x' })
    const accountId = imp.body.result?.accountId ?? ''
    const env = { requestId: 'req_export_0001', userId: 'user_x' }
    const recipientPublicKey = await t.client.ephemeralPublicKey()
    const op = { method: 'accounts.export', accountId, recipientPublicKey }
    const params = {
      accountId,
      recipientPublicKey,
      proof: { assertion: await t.client.prover.assertionFor('user_x', op) },
    }
    const first = await t.client.call('accounts.export', params, env)
    const again = await t.client.call('accounts.export', params, env)
    expect(first.body.result?.secret).toBe(kp.secret())
    // The secret result is not stored, so the replay runs again, and its proof is spent: no second copy.
    expect(again.status).toBe(401)
    expect(again.body.error?.code).toBe('ERR_USER_PROOF_REPLAYED')
    const dir = t.env.SIGNER_DATA_DIR ?? ''
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f)).toString('latin1')
      expect(SEED_RE.test(bytes)).toBe(false)
      expect(bytes.includes(Buffer.from(kp.rawSecretKey()).toString('latin1'))).toBe(false)
    }
  })
})
