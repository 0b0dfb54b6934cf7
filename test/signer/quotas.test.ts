/**
 * Per-user quotas over the real mTLS signer: at most 100 accounts (the 101st create or import is
 * ERR_ACCOUNT_QUOTA) and 50 approvals waiting for a decision (the 51st is ERR_APPROVAL_QUOTA); listing
 * returns every account, never a truncated page; one user's quota is not another's; both are configurable.
 */
import { randomUUID } from 'node:crypto'
import { Keypair } from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Envelope, guardAgainstLeaks, startTestSigner, type TestSigner, testEnv } from './helpers.ts'
import { buildTx, pay, randomKey } from './policy-fixtures.ts'

guardAgainstLeaks()

const DEST = randomKey()
let now = Date.now()
const payXdr = (source: string, amount: string) =>
  buildTx({ source, ops: [pay(DEST, amount)], maxTime: Math.floor(now / 1000) + 200 })
    .toEnvelope()
    .toXDR('base64')

describe('deployment quotas (defaults: 100 accounts, 50 pending approvals)', () => {
  let t: TestSigner
  const user = { userId: `u_${randomUUID()}` }
  const call = (method: string, params: unknown, env: Envelope = user) =>
    t.client.call(method, params, { issuedAt: now, ...env })
  const proven = (method: string, params: Record<string, unknown>, env: Envelope = user) =>
    t.client.proven(method, params, { issuedAt: now, ...env })
  beforeAll(async () => {
    t = await startTestSigner({ clock: () => now })
  })
  afterAll(async () => {
    await t.stop()
  })

  it('100 accounts are created; the 101st create and import are ERR_ACCOUNT_QUOTA; list returns all 100', async () => {
    // The passkey comes first: users.register is refused once accounts exist (nothing to prove it against).
    await t.client.prover.enrol(user.userId, undefined, { issuedAt: now })
    const ids: string[] = []
    for (let i = 0; i < 100; i++) {
      const r = await call('accounts.create', { kind: i % 2 ? 'agent' : 'user' })
      expect(r.status).toBe(200)
      ids.push(r.body.result?.accountId ?? '')
    }
    const over = await call('accounts.create', { kind: 'agent' })
    expect([over.status, over.body.error?.code]).toEqual([409, 'ERR_ACCOUNT_QUOTA'])
    const imported = await proven('accounts.import', { secret: Keypair.random().secret() })
    expect(imported.body.error?.code).toBe('ERR_ACCOUNT_QUOTA')
    const listed = (await call('accounts.list', {})).body.result?.accounts ?? []
    expect(listed.map((a) => a.accountId).sort()).toEqual([...ids].sort())
    // Another user's quota is their own.
    expect((await call('accounts.create', { kind: 'user' }, { userId: `u_${randomUUID()}` })).status).toBe(
      200,
    )
    // Deleting one makes room for exactly one more.
    expect((await proven('accounts.delete', { accountId: ids[0] ?? '' })).status).toBe(200)
    expect((await call('accounts.create', { kind: 'user' })).status).toBe(200)
    expect((await call('accounts.create', { kind: 'user' })).body.error?.code).toBe('ERR_ACCOUNT_QUOTA')
  })

  it('50 approvals wait; the 51st is ERR_APPROVAL_QUOTA; asking again for a waiting one still answers it', async () => {
    const other = { userId: `u_${randomUUID()}` }
    const kp = Keypair.random()
    const accountId = (await proven('accounts.import', { secret: kp.secret() }, other)).body.result?.accountId
    const ask = (xdr: string) => call('tx.sign', { accountId, xdr }, other)
    const first = payXdr(kp.publicKey(), '50')
    const ids: string[] = []
    for (let i = 0; i < 50; i++) {
      const r = await ask(i === 0 ? first : payXdr(kp.publicKey(), '50'))
      expect(r.body.error?.code).toBe('ERR_APPROVAL_REQUIRED')
      ids.push((r.body.error as unknown as { details: { approvalId: string } }).details.approvalId)
    }
    const over = await ask(payXdr(kp.publicKey(), '50'))
    expect([over.status, over.body.error?.code]).toEqual([409, 'ERR_APPROVAL_QUOTA'])
    const again = await ask(first)
    expect((again.body.error as unknown as { details: { approvalId: string } }).details.approvalId).toBe(
      ids[0],
    )
    // A decided approval no longer waits: rejecting one makes room for one new request.
    expect((await call('approvals.reject', { approvalId: ids[1] }, other)).status).toBe(200)
    expect((await ask(payXdr(kp.publicKey(), '50'))).body.error?.code).toBe('ERR_APPROVAL_REQUIRED')
    expect((await ask(payXdr(kp.publicKey(), '50'))).body.error?.code).toBe('ERR_APPROVAL_QUOTA')
    // Expired approvals no longer wait either.
    now += 10 * 60_000 + 1
    expect((await ask(payXdr(kp.publicKey(), '50'))).body.error?.code).toBe('ERR_APPROVAL_REQUIRED')
  })
})

describe('configured quotas', () => {
  let t: TestSigner
  beforeAll(async () => {
    now = Date.now()
    const policy = {
      assets: [{ asset: 'native', approvalAbove: '1', perTx: '10', daily: '100' }],
      maxAccountsPerUser: 2,
      maxPendingApprovalsPerUser: 1,
    }
    t = await startTestSigner({ env: testEnv({ SIGNER_POLICY_DEFAULTS: JSON.stringify(policy) }) })
  })
  afterAll(async () => {
    await t.stop()
  })

  it('2 accounts and 1 pending approval, as configured', async () => {
    const kp = Keypair.random()
    const accountId = (await t.client.proven('accounts.import', { secret: kp.secret() })).body.result
      ?.accountId
    expect((await t.client.call('accounts.create', { kind: 'agent' })).status).toBe(200)
    expect((await t.client.call('accounts.create', { kind: 'agent' })).body.error?.code).toBe(
      'ERR_ACCOUNT_QUOTA',
    )
    const a = await t.client.call('tx.sign', { accountId, xdr: payXdr(kp.publicKey(), '2') })
    expect(a.body.error?.code).toBe('ERR_APPROVAL_REQUIRED')
    const b = await t.client.call('tx.sign', { accountId, xdr: payXdr(kp.publicKey(), '2') })
    expect(b.body.error?.code).toBe('ERR_APPROVAL_QUOTA')
  })
})
