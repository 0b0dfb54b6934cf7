/**
 * Approvals over the real mTLS signer: above the threshold tx.sign answers ERR_APPROVAL_REQUIRED with an
 * approval id bound to the transaction hash; only that exact transaction signs, once, before expiry, after
 * approve; a modified transaction, a reused, rejected, pending or expired approval, or another user's, is
 * refused. The clock is the signer's (moved by the test).
 */
import { randomUUID } from 'node:crypto'
import { Keypair } from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  type Envelope,
  guardAgainstLeaks,
  type RpcReply,
  startTestSigner,
  TEST_RP_ID,
  TEST_RP_ORIGIN,
  type TestSigner,
} from './helpers.ts'
import { buildTx, pay, randomKey } from './policy-fixtures.ts'
import { createProver } from './proofs.ts'

guardAgainstLeaks()

let now = Date.now()
let t: TestSigner
let kp: Keypair
let accountId: string
const DEST = randomKey()

type Details = { approvalId: string; txHash: string; expiresAt: string; amounts: Record<string, string> }
type Appr = { approvalId: string; status: string; txHash: string; amounts: Record<string, string> }
const details = (r: RpcReply): Details => (r.body.error as unknown as { details: Details }).details
const approval = (r: RpcReply): Appr => r.body.result as unknown as Appr

const call = (method: string, params: unknown, env: Envelope = {}) =>
  t.client.call(method, params, { issuedAt: now, ...env })
// Approving and importing need the user's passkey proof (test/signer/user-proof.test.ts covers its refusals).
const prover = createProver(call, TEST_RP_ORIGIN, TEST_RP_ID, (m, p, u) => t.client.wireOf(m, p, u))
const approve = (approvalId: string) => prover.proven('approvals.approve', { approvalId })
const xdrOf = (amount: string): string =>
  buildTx({ source: kp.publicKey(), ops: [pay(DEST, amount)], maxTime: Math.floor(now / 1000) + 200 })
    .toEnvelope()
    .toXDR('base64')

beforeAll(async () => {
  t = await startTestSigner({ clock: () => now })
  kp = Keypair.random()
  accountId = (await prover.proven('accounts.import', { secret: kp.secret() })).body.result?.accountId ?? ''
})
afterAll(async () => {
  await t.stop()
})
beforeEach(() => {
  now = Date.now()
})

async function pendingFor(amount: string): Promise<{ xdr: string; d: Details }> {
  const xdr = xdrOf(amount)
  const r = await call('tx.sign', { accountId, xdr })
  expect(r.status).toBe(422)
  expect(r.body.error?.code).toBe('ERR_APPROVAL_REQUIRED')
  return { xdr, d: details(r) }
}

describe('approvals bound to the transaction hash', () => {
  it('above the threshold: ERR_APPROVAL_REQUIRED with an id, the hash, the amounts and an expiry', async () => {
    const { xdr, d } = await pendingFor('50')
    expect(d.approvalId).toMatch(/^apr_/)
    expect(d.amounts).toEqual({ native: '50' })
    expect(Date.parse(d.expiresAt) - now).toBe(600_000)
    // Asking again for the same transaction reuses the pending approval.
    const again = await call('tx.sign', { accountId, xdr })
    expect(details(again).approvalId).toBe(d.approvalId)
    const listed = await call('approvals.list', {})
    const mine = (listed.body.result as unknown as { approvals: Appr[] }).approvals.find(
      (a) => a.approvalId === d.approvalId,
    )
    expect(mine?.status).toBe('pending')
    expect(mine?.txHash).toBe(d.txHash)
  })

  it('stores the signer’s decoded preview with the approval and answers it on every read', async () => {
    const { d } = await pendingFor('50')
    const want = {
      source: kp.publicKey(),
      lines: [
        { kind: 'payment', text: `Send 50 XLM to ${DEST}`, asset: 'native', amount: '50', destination: DEST },
      ],
      fee: '0.00001',
    }
    expect((d as Details & { preview: unknown }).preview).toEqual(want)
    const got = (await call('approvals.get', { approvalId: d.approvalId })).body.result as unknown as {
      preview: unknown
    }
    expect(got.preview).toEqual(want)
    const listed = (await call('approvals.list', {})).body.result as unknown as {
      approvals: { approvalId: string; preview: unknown }[]
    }
    expect(listed.approvals.find((a) => a.approvalId === d.approvalId)?.preview).toEqual(want)
  })

  it('signs the exact transaction once after approval; a reuse is refused', async () => {
    const { xdr, d } = await pendingFor('50')
    const early = await call('tx.sign', { accountId, xdr, approvalId: d.approvalId })
    expect(early.body.error?.code).toBe('ERR_APPROVAL_INVALID')
    const ok = await approve(d.approvalId)
    expect(approval(ok).status).toBe('approved')
    const signed = await call('tx.sign', { accountId, xdr, approvalId: d.approvalId })
    expect(signed.status).toBe(200)
    expect(signed.body.result?.hash).toBe(d.txHash)
    const reused = await call('tx.sign', { accountId, xdr, approvalId: d.approvalId })
    expect(reused.body.error?.code).toBe('ERR_APPROVAL_INVALID')
    const status = approval(await call('approvals.get', { approvalId: d.approvalId })).status
    expect(status).toBe('used')
  })

  it('a modified transaction with the old approval id is refused', async () => {
    const { d } = await pendingFor('50')
    await approve(d.approvalId)
    for (const changed of [xdrOf('50'), xdrOf('50.0000001'), xdrOf('99')]) {
      const r = await call('tx.sign', { accountId, xdr: changed, approvalId: d.approvalId })
      expect(r.body.error?.code).toBe('ERR_APPROVAL_INVALID')
    }
  })

  it('an expired approval is refused, and cannot be approved any more', async () => {
    const a = await pendingFor('50')
    await approve(a.d.approvalId)
    const b = await pendingFor('60')
    now += 10 * 60_000 + 1
    const r = await call('tx.sign', { accountId, xdr: a.xdr, approvalId: a.d.approvalId })
    expect(r.status).toBe(410)
    expect(r.body.error?.code).toBe('ERR_APPROVAL_EXPIRED')
    const late = await call('approvals.approve', { approvalId: b.d.approvalId })
    expect(late.body.error?.code).toBe('ERR_APPROVAL_EXPIRED')
    expect(approval(await call('approvals.get', { approvalId: b.d.approvalId })).status).toBe('expired')
  })

  it('a rejected approval is refused', async () => {
    const { xdr, d } = await pendingFor('50')
    await approve(d.approvalId)
    expect(approval(await call('approvals.reject', { approvalId: d.approvalId })).status).toBe('rejected')
    const r = await call('tx.sign', { accountId, xdr, approvalId: d.approvalId })
    expect(r.body.error?.code).toBe('ERR_APPROVAL_INVALID')
    const again = await call('approvals.approve', { approvalId: d.approvalId })
    expect(again.body.error?.code).toBe('ERR_APPROVAL_INVALID')
  })

  it('another user can neither see, approve, reject nor use it', async () => {
    const { xdr, d } = await pendingFor('50')
    const other = { userId: `u_${randomUUID()}` }
    for (const m of ['approvals.get', 'approvals.approve', 'approvals.reject']) {
      const r = await call(m, { approvalId: d.approvalId }, other)
      expect(r.body.error?.code).toBe('ERR_NOT_FOUND')
    }
    const k2 = Keypair.random()
    const acc2 = (await prover.proven('accounts.import', { secret: k2.secret() }, other)).body.result as
      | { accountId: string }
      | undefined
    const r = await call('tx.sign', { accountId: acc2?.accountId, xdr, approvalId: d.approvalId }, other)
    expect(r.body.error?.code).toBe('ERR_TX_SOURCE_MISMATCH')
    const listed = (await call('approvals.list', {}, other)).body.result as unknown as { approvals: Appr[] }
    expect(listed.approvals).toEqual([])
  })

  it('an approved transaction still counts against the daily cap', async () => {
    const before = await call('policy.get', {})
    const spent = (before.body.result as unknown as { assets: { native: { spentToday: string } } }).assets
      .native
    const { xdr, d } = await pendingFor('70')
    await approve(d.approvalId)
    await call('tx.sign', { accountId, xdr, approvalId: d.approvalId })
    const after = await call('policy.get', {})
    const spentAfter = (after.body.result as unknown as { assets: { native: { spentToday: string } } }).assets
      .native
    expect(Number(spentAfter.spentToday) - Number(spent.spentToday)).toBe(70)
  })

  it('the audit log names approve, reject and the approval-required denials with their tx hash', async () => {
    const entries = (await call('audit.list', { limit: 500 })).body.result?.entries ?? []
    const methods = new Set(entries.map((e) => e.method))
    expect(methods.has('approvals.approve')).toBe(true)
    expect(methods.has('approvals.reject')).toBe(true)
    const asked = entries.filter((e) => e.reasonCode === 'ERR_APPROVAL_REQUIRED')
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((e) => /^[0-9a-f]{64}$/.test(e.txHash ?? ''))).toBe(true)
  })
})

describe('policy.set', () => {
  it('lowers limits, refuses raising them, and keeps allow-lists per own account', async () => {
    const low = await call('policy.set', {
      assets: { native: { approvalAbove: '5', perTx: '50', daily: '900' } },
    })
    expect(low.status).toBe(200)
    const r = await call('tx.sign', { accountId, xdr: xdrOf('6') })
    expect(r.body.error?.code).toBe('ERR_APPROVAL_REQUIRED')
    // Above the user's own perTx nothing signs, approval or not.
    const over = await call('tx.sign', { accountId, xdr: xdrOf('51') })
    expect(over.body.error?.code).toBe('ERR_POLICY_TX_CAP')
    const raise = await call('policy.set', { assets: { native: { daily: '5000' } } })
    expect(raise.body.error?.code).toBe('ERR_VALIDATION')
    // The automatic level cannot be raised either (deployment: 25 XLM), even below perTx.
    const auto = await call('policy.set', { assets: { native: { approvalAbove: '26' } } })
    expect(auto.body.error?.code).toBe('ERR_VALIDATION')
    const foreign = await call('policy.set', { destinations: { acc_00000000000000000000: [DEST] } })
    expect(foreign.body.error?.code).toBe('ERR_ACCOUNT_NOT_FOUND')
    await call('policy.set', { destinations: { [accountId]: [randomKey()] } })
    const off = await call('tx.sign', { accountId, xdr: xdrOf('1') })
    expect(off.body.error?.code).toBe('ERR_POLICY_DESTINATION')
  })
})
