/**
 * Issue 12 as a table, through the same pure pipeline tx.sign runs (tx/check.ts, then policy/evaluate.ts):
 * the three levels per asset at their exact boundaries (deployment defaults XLM 25 / 100 / 1,000 and USDC
 * 100 / 500 / 5,000), fees counted against the rolling fee budget (inner and fee-bump outer), and offers
 * under a destination allow-list. Most rows are attempts to get around the limits.
 */
import {
  type FeeBumpTransaction,
  Keypair,
  Networks,
  Operation,
  type Transaction,
  TransactionBuilder,
} from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../signer/config.ts'
import { builtinDefaults, compilePolicy, effectivePolicy, type Policy } from '../../signer/policy/config.ts'
import { evaluatePolicy } from '../../signer/policy/evaluate.ts'
import { decodeAndCheck } from '../../signer/tx/check.ts'
import { testEnv } from './helpers.ts'
import {
  addr,
  buildTx,
  i128,
  invocation,
  NOW,
  pay,
  randomKey,
  sorobanOp,
  stroops,
  USDC,
  XLM,
  XLM_SAC,
} from './policy-fixtures.ts'

const me = Keypair.random()
const ME = me.publicKey()
const FRIEND = randomKey()
const STRANGER = randomKey()
const ACC = 'acc_capscase00000000000000'
const BASE = compilePolicy(builtinDefaults('testnet'), Networks.TESTNET)
const ALLOW_LIST = effectivePolicy(BASE, { assets: {}, destinations: { [ACC]: [FRIEND] } }, ACC)
const SOROBAN_FEE = '20000000' // 2 XLM, the default Soroban fee ceiling

type Case = {
  tx: () => Transaction | FeeBumpTransaction
  spent?: Record<string, number>
  /** XLM of fees already paid in the window. */
  fees?: number
  approved?: boolean
  policy?: Policy
  expect: string
  /** The fee the decision reserves, in XLM. */
  fee?: number
}

const tx = (ops: Parameters<typeof buildTx>[0]['ops'], extra: Partial<Parameters<typeof buildTx>[0]> = {}) =>
  buildTx({ source: ME, ops, ...extra })
const bump = (inner: Transaction, fee: string): FeeBumpTransaction =>
  TransactionBuilder.buildFeeBumpTransaction(ME, fee, inner, Networks.TESTNET)
const sacTransfer = (amount: bigint) => {
  const args = [addr(ME), addr(FRIEND), i128(amount)]
  return sorobanOp(XLM_SAC, 'transfer', args, invocation(XLM_SAC, 'transfer', args))
}
const sell = (amount: string) => Operation.manageSellOffer({ selling: XLM, buying: USDC, amount, price: '1' })
// Budget arithmetic below: the default fee budget is the native daily cap, 1,000 XLM.
const FULL = 1000

const CASES: Record<string, Case> = {
  // ── three levels, XLM 25 / 100 / 1,000 ────────────────────────────────────────────────────────────────
  'exactly approvalAbove (25 XLM) signs automatically': {
    tx: () => tx([pay(FRIEND, '25')]),
    expect: 'allow',
  },
  'approvalAbove + 1 stroop needs approval': {
    tx: () => tx([pay(FRIEND, '25.0000001')]),
    expect: 'approval',
  },
  'exactly perTx (100 XLM) needs approval': { tx: () => tx([pay(FRIEND, '100')]), expect: 'approval' },
  'exactly perTx with approval signs': {
    tx: () => tx([pay(FRIEND, '100')]),
    approved: true,
    expect: 'allow',
  },
  'perTx + 1 stroop is refused': { tx: () => tx([pay(FRIEND, '100.0000001')]), expect: 'ERR_POLICY_TX_CAP' },
  'perTx + 1 stroop with approval is refused': {
    tx: () => tx([pay(FRIEND, '100.0000001')]),
    approved: true,
    expect: 'ERR_POLICY_TX_CAP',
  },
  'over perTx (150 XLM) with approval is refused': {
    tx: () => tx([pay(FRIEND, '150')]),
    approved: true,
    expect: 'ERR_POLICY_TX_CAP',
  },
  'over perTx split across two operations, with approval, is refused': {
    tx: () => tx([pay(FRIEND, '60'), pay(STRANGER, '60')]),
    approved: true,
    expect: 'ERR_POLICY_TX_CAP',
  },
  'the daily cap with approval is refused (950 spent + 60)': {
    tx: () => tx([pay(FRIEND, '60')]),
    spent: { native: 950 },
    approved: true,
    expect: 'ERR_POLICY_DAILY_CAP',
  },
  'exactly reaching the daily cap with approval signs (900 spent + 100)': {
    tx: () => tx([pay(FRIEND, '100')]),
    spent: { native: 900 },
    approved: true,
    expect: 'allow',
  },
  // ── USDC 100 / 500 / 5,000 ─────────────────────────────────────────────────────────────────────────
  'USDC exactly approvalAbove (100) signs': { tx: () => tx([pay(FRIEND, '100', USDC)]), expect: 'allow' },
  'USDC approvalAbove + 1 stroop needs approval': {
    tx: () => tx([pay(FRIEND, '100.0000001', USDC)]),
    expect: 'approval',
  },
  'USDC perTx + 1 stroop with approval is refused': {
    tx: () => tx([pay(FRIEND, '500.0000001', USDC)]),
    approved: true,
    expect: 'ERR_POLICY_TX_CAP',
  },
  'USDC past its daily cap with approval is refused': {
    tx: () => tx([pay(FRIEND, '500', USDC)]),
    spent: { [`USDC:${USDC.getIssuer()}`]: 4600 },
    approved: true,
    expect: 'ERR_POLICY_DAILY_CAP',
  },
  // ── fees are money: budget = native daily cap (1,000 XLM) ──────────────────────────────────────────
  'a fee that exactly fills the budget signs': {
    tx: () => tx([pay(FRIEND, '1')]),
    fees: FULL - 0.00001,
    expect: 'allow',
    fee: 0.00001,
  },
  'a fee one stroop past the budget is refused': {
    tx: () => tx([pay(FRIEND, '1')], { fee: '101' }),
    fees: FULL - 0.00001,
    expect: 'ERR_POLICY_FEE_BUDGET',
  },
  'a Soroban call at 2 XLM of fee with 999 XLM of fees paid is refused': {
    tx: () => tx([sacTransfer(1n)], { fee: SOROBAN_FEE }),
    fees: 999,
    expect: 'ERR_POLICY_FEE_BUDGET',
  },
  'a Soroban call at 2 XLM of fee with 998 XLM paid signs': {
    tx: () => tx([sacTransfer(1n)], { fee: SOROBAN_FEE }),
    fees: 998,
    expect: 'allow',
    fee: 2,
  },
  // A bump at base fee 400 over one operation costs 400 × 2 = 800 stroops; our inner one adds its 100.
  'a fee-bump counts its outer fee and our inner fee (800 + 100 stroops)': {
    tx: () => bump(tx([pay(FRIEND, '1')]), '400'),
    fees: FULL - 0.00009,
    expect: 'allow',
    fee: 0.00009,
  },
  'a fee-bump whose outer fee exhausts the budget is refused': {
    tx: () => bump(tx([pay(FRIEND, '1')]), '400'),
    fees: FULL - 0.0000899,
    expect: 'ERR_POLICY_FEE_BUDGET',
  },
  'a fee-bump of a stranger’s transaction counts only the outer fee we pay': {
    tx: () => bump(buildTx({ source: STRANGER, ops: [pay(FRIEND, '1')] }), '400'),
    fees: FULL - 0.00008,
    expect: 'allow',
    fee: 0.00008,
  },
  'a fee-bump of a stranger’s transaction past the budget is refused': {
    tx: () => bump(buildTx({ source: STRANGER, ops: [pay(FRIEND, '1')] }), '400'),
    fees: FULL - 0.0000799,
    expect: 'ERR_POLICY_FEE_BUDGET',
  },
  'an approval does not lift the fee budget': {
    tx: () => tx([pay(FRIEND, '50')]),
    fees: FULL,
    approved: true,
    expect: 'ERR_POLICY_FEE_BUDGET',
  },
  'a user’s lower native day lowers the fee budget with it (20 XLM)': {
    tx: () => tx([pay(FRIEND, '1')]),
    fees: 20,
    policy: effectivePolicy(BASE, { assets: { native: { daily: '20' } }, destinations: {} }, ACC),
    expect: 'ERR_POLICY_FEE_BUDGET',
  },
  // ── offers under an allow-list ─────────────────────────────────────────────────────────────────────
  'a 10 XLM sell offer without an allow-list signs': { tx: () => tx([sell('10')]), expect: 'allow' },
  'a 10 XLM sell offer under an allow-list needs approval': {
    tx: () => tx([sell('10')]),
    policy: ALLOW_LIST,
    expect: 'approval',
  },
  'a 10 XLM sell offer under an allow-list, approved, signs': {
    tx: () => tx([sell('10')]),
    policy: ALLOW_LIST,
    approved: true,
    expect: 'allow',
  },
  'a buy offer under an allow-list needs approval': {
    tx: () =>
      tx([Operation.manageBuyOffer({ selling: XLM, buying: USDC, buyAmount: '1', price: { n: 1, d: 1 } })]),
    policy: ALLOW_LIST,
    expect: 'approval',
  },
  'a passive offer under an allow-list needs approval': {
    tx: () => tx([Operation.createPassiveSellOffer({ selling: XLM, buying: USDC, amount: '1', price: '1' })]),
    policy: ALLOW_LIST,
    expect: 'approval',
  },
  'an offer hidden behind an allowed payment still needs approval': {
    tx: () => tx([pay(FRIEND, '1'), sell('1')]),
    policy: ALLOW_LIST,
    expect: 'approval',
  },
  'an approved offer does not open the allow-list to a stranger’s payment': {
    tx: () => tx([sell('1'), pay(STRANGER, '1')]),
    policy: ALLOW_LIST,
    approved: true,
    expect: 'ERR_POLICY_DESTINATION',
  },
  'cancelling an offer (amount 0) under an allow-list signs': {
    tx: () =>
      tx([Operation.manageSellOffer({ selling: XLM, buying: USDC, amount: '0', price: '1', offerId: '7' })]),
    policy: ALLOW_LIST,
    expect: 'allow',
  },
  'an offer over perTx under an allow-list is refused, approved or not': {
    tx: () => tx([sell('100.0000001')]),
    policy: ALLOW_LIST,
    approved: true,
    expect: 'ERR_POLICY_TX_CAP',
  },
}

function run(c: Case): { verdict: string; fee?: bigint } {
  const envelope = c.tx()
  const checked = decodeAndCheck({
    xdr: envelope.toEnvelope().toXDR('base64'),
    publicKey: ME,
    networkPassphrase: Networks.TESTNET,
    claimedPassphrase: undefined,
  })
  if (!checked.ok) return { verdict: checked.error.code }
  const spentToday = new Map(Object.entries(c.spent ?? {}).map(([k, v]) => [k, stroops(v)]))
  const d = evaluatePolicy(
    c.policy ?? BASE,
    checked.value.tx,
    { signer: ME, spentToday, feesSpent: stroops(c.fees ?? 0), approved: c.approved ?? false },
    NOW,
  )
  return d.verdict === 'deny' ? { verdict: d.code } : { verdict: d.verdict, fee: d.fee }
}

describe('three levels, fee budget, offers under an allow-list', () => {
  const rows = Object.entries(CASES)
  it('has more bad rows than good', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30)
    expect(rows.filter(([, c]) => c.expect !== 'allow').length).toBeGreaterThan(rows.length / 2)
  })

  it.each(rows)('%s', (_name, c) => {
    const got = run(c)
    expect(got.verdict).toBe(c.expect)
    if (c.fee !== undefined) expect(got.fee).toBe(stroops(c.fee))
  })
})

describe('fee budget configuration', () => {
  const native = { asset: 'native', perTx: '100', daily: '1000' }
  it.each([
    ['a budget above the native daily cap', { assets: [native], feeBudgetDaily: '1000.0000001' }],
    ['a budget with no native limit at all', { assets: [], feeBudgetDaily: '1' }],
    ['a negative budget', { assets: [native], feeBudgetDaily: '-1' }],
    ['a float budget', { assets: [native], feeBudgetDaily: 10 }],
    ['an account quota of 0', { assets: [native], maxAccountsPerUser: 0 }],
    ['an approval quota of 0', { assets: [native], maxPendingApprovalsPerUser: 0 }],
  ])('refuses %s', (_n, input) => {
    expect(() => compilePolicy(input, Networks.TESTNET)).toThrow(/feeBudgetDaily|maxAccounts|maxPending/)
  })

  it('the signer refuses to start with a fee budget above the native day, naming the variable and field', () => {
    const policy = JSON.stringify({ assets: [native], feeBudgetDaily: '2000' })
    expect(() => loadConfig(testEnv({ SIGNER_POLICY_DEFAULTS: policy }))).toThrow(
      'signer configuration invalid: SIGNER_POLICY_DEFAULTS: feeBudgetDaily: exceeds the native daily cap',
    )
  })

  it('defaults to the native daily cap and the issue-12 quotas; a lower budget is kept', () => {
    expect(BASE.feeBudgetDaily).toBe(stroops(1000))
    expect([BASE.maxAccountsPerUser, BASE.maxPendingApprovalsPerUser]).toEqual([100, 50])
    const low = compilePolicy({ assets: [native], feeBudgetDaily: '10' }, Networks.TESTNET)
    expect(low.feeBudgetDaily).toBe(stroops(10))
    expect(BASE.assets.get('native')).toEqual({
      approvalAbove: stroops(25),
      perTx: stroops(100),
      daily: stroops(1000),
    })
    expect(BASE.assets.get(`USDC:${USDC.getIssuer()}`)).toEqual({
      approvalAbove: stroops(100),
      perTx: stroops(500),
      daily: stroops(5000),
    })
  })
})
