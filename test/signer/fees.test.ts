/**
 * Fees are money, over the real mTLS signer: 520 Soroban-like transactions at 2 XLM of fee each against a
 * 1,000 XLM day sign exactly 500; 100 concurrent ones against a 10 XLM fee budget sign exactly 10 (the
 * budget is reserved in the same store transaction as the decision); a refusal leaves no ledger line and
 * its reason code is in the audit log. And the day is a rolling 24 hours: spending just before midnight
 * still counts just after it.
 */
import { Keypair } from '@stellar/stellar-sdk/base'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbPath } from '../../signer/store/sqlite/db.ts'
import { guardAgainstLeaks, type RpcReply, startTestSigner, type TestSigner, testEnv } from './helpers.ts'
import { addr, buildTx, i128, invocation, pay, randomKey, sorobanOp, XLM_SAC } from './policy-fixtures.ts'

guardAgainstLeaks()

const DEST = randomKey()
const AUTO = { asset: 'native', perTx: '100', daily: '1000', approvalAbove: null }

/** A SAC transfer of 1 stroop with the given total fee: what a Soroban call costs, nearly nothing moved. */
function sorobanXdr(source: string, fee: string, nowMs: number): string {
  const args = [addr(source), addr(DEST), i128(1n)]
  const op = sorobanOp(XLM_SAC, 'transfer', args, invocation(XLM_SAC, 'transfer', args))
  return buildTx({ source, ops: [op], fee, maxTime: Math.floor(nowMs / 1000) + 240 })
    .toEnvelope()
    .toXDR('base64')
}

type View = { assets: Record<string, { spentToday: string }>; feesSpent: string; feeBudgetDaily: string }
const view = async (t: TestSigner, issuedAt?: number): Promise<View> =>
  (await t.client.call('policy.get', {}, issuedAt ? { issuedAt } : {})).body.result as unknown as View

async function importKey(t: TestSigner): Promise<{ kp: Keypair; accountId: string }> {
  const kp = Keypair.random()
  const r = await t.client.proven('accounts.import', { secret: kp.secret() })
  return { kp, accountId: r.body.result?.accountId ?? '' }
}

function ledger(t: TestSigner): { asset: string; tx_hash: string; stroops: number }[] {
  const db = new Database(dbPath(t.env.SIGNER_DATA_DIR ?? ''), { readonly: true })
  try {
    return db.prepare('SELECT asset, tx_hash, stroops FROM spending').all() as {
      asset: string
      tx_hash: string
      stroops: number
    }[]
  } finally {
    db.close()
  }
}

describe('fee budget', () => {
  let t: TestSigner
  afterAll(async () => {
    await t.stop()
  })

  it('520 Soroban transactions at 2 XLM of fee under a 1,000 XLM day: exactly 500 sign', async () => {
    t = await startTestSigner({
      env: testEnv({ SIGNER_POLICY_DEFAULTS: JSON.stringify({ assets: [AUTO] }) }),
    })
    const { kp, accountId } = await importKey(t)
    const replies: RpcReply[] = []
    // Concurrent within each batch of 104, so reservations race each other, without flooding the machine.
    for (let b = 0; b < 5; b++) {
      const xdrs = Array.from({ length: 104 }, () => sorobanXdr(kp.publicKey(), '20000000', Date.now()))
      replies.push(...(await Promise.all(xdrs.map((xdr) => t.client.call('tx.sign', { accountId, xdr })))))
    }
    expect(replies.filter((r) => r.status === 200)).toHaveLength(500)
    const codes = new Set(replies.filter((r) => r.status !== 200).map((r) => r.body.error?.code))
    expect([...codes]).toEqual(['ERR_POLICY_FEE_BUDGET'])
    const v = await view(t)
    expect([v.feesSpent, v.feeBudgetDaily, v.assets.native?.spentToday]).toEqual(['1000', '1000', '0.00005'])
  }, 60_000)
})

describe('fee budget under concurrency, and refusals leave no ledger line', () => {
  let t: TestSigner
  beforeAll(async () => {
    const policy = { assets: [AUTO], feeBudgetDaily: '10' }
    t = await startTestSigner({ env: testEnv({ SIGNER_POLICY_DEFAULTS: JSON.stringify(policy) }) })
  })
  afterAll(async () => {
    await t.stop()
  })

  it('100 concurrent 1 XLM fees against a 10 XLM budget: exactly 10 signed', async () => {
    const { kp, accountId } = await importKey(t)
    const xdrs = Array.from({ length: 100 }, () => sorobanXdr(kp.publicKey(), '10000000', Date.now()))
    const replies = await Promise.all(xdrs.map((xdr) => t.client.call('tx.sign', { accountId, xdr })))
    const signed = replies.filter((r) => r.status === 200).map((r) => r.body.result?.hash ?? '')
    expect(signed).toHaveLength(10)
    expect((await view(t)).feesSpent).toBe('10')

    // The ledger holds the signed ten (a fee line and a 1-stroop payment line each), nothing of the 90.
    const lines = ledger(t)
    expect(
      lines
        .filter((l) => l.asset === 'fee')
        .map((l) => l.tx_hash)
        .sort(),
    ).toEqual([...signed].sort())
    expect(
      lines
        .filter((l) => l.asset === 'native')
        .map((l) => l.tx_hash)
        .sort(),
    ).toEqual([...signed].sort())
    expect(lines.filter((l) => l.asset === 'fee').reduce((s, l) => s + l.stroops, 0)).toBe(100_000_000)

    // Each refusal is in the audit log with its reason code and the hash of what was refused.
    const entries = (await t.client.call('audit.list', { limit: 500 })).body.result?.entries ?? []
    const denied = entries.filter((e) => e.method === 'tx.sign' && e.decision === 'deny')
    expect(denied).toHaveLength(90)
    expect(denied.every((e) => e.reasonCode === 'ERR_POLICY_FEE_BUDGET')).toBe(true)
    expect(denied[0]?.reason).toBe('a fee of 1 XLM exceeds the 0 XLM left of the fee budget')
    const allowed = entries.filter((e) => e.method === 'tx.sign' && e.decision === 'allow')
    expect(allowed.map((e) => e.reason)).toEqual(Array.from({ length: 10 }, () => null))
    expect(denied.some((e) => signed.includes(e.txHash ?? ''))).toBe(false)
  })
})

describe('the day is a rolling 24 hours', () => {
  let t: TestSigner
  let now = Date.parse('2026-12-01T23:59:00.000Z')
  beforeAll(async () => {
    t = await startTestSigner({
      env: testEnv({ SIGNER_POLICY_DEFAULTS: JSON.stringify({ assets: [AUTO] }) }),
      clock: () => now,
    })
  })
  afterAll(async () => {
    await t.stop()
  })

  it('1,000 XLM at 23:59 leaves nothing at 00:00:30; it frees exactly 24 hours later', async () => {
    const kp = Keypair.random()
    const accountId =
      (await t.client.proven('accounts.import', { secret: kp.secret() }, { issuedAt: now })).body.result
        ?.accountId ?? ''
    const sign = (amount: string) =>
      t.client.call(
        'tx.sign',
        {
          accountId,
          xdr: buildTx({
            source: kp.publicKey(),
            ops: [pay(DEST, amount)],
            maxTime: Math.floor(now / 1000) + 200,
          })
            .toEnvelope()
            .toXDR('base64'),
        },
        { issuedAt: now },
      )
    for (let i = 0; i < 10; i++) expect((await sign('100')).status).toBe(200)
    expect((await sign('0.0000001')).body.error?.code).toBe('ERR_POLICY_DAILY_CAP')

    // Just after midnight UTC: a calendar day would allow another 1,000 XLM; the rolling window does not.
    now = Date.parse('2026-12-02T00:00:30.000Z')
    expect((await sign('100')).body.error?.code).toBe('ERR_POLICY_DAILY_CAP')
    expect((await view(t, now)).assets.native?.spentToday).toBe('1000')

    // One millisecond before the 24 hours are up, still refused; at 24 hours, the window has moved on.
    now = Date.parse('2026-12-02T23:58:59.999Z')
    expect((await sign('0.0000001')).body.error?.code).toBe('ERR_POLICY_DAILY_CAP')
    now = Date.parse('2026-12-02T23:59:00.000Z')
    expect((await sign('100')).status).toBe(200)
    expect((await view(t, now)).assets.native?.spentToday).toBe('100')
  })
})
