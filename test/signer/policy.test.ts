/**
 * The spending policy as a table: (transaction, state) → verdict, through the same pure pipeline tx.sign
 * runs (tx/check.ts, then policy/evaluate.ts) with a fixed `now`. Most rows are attempts to get around it.
 */
import {
  Asset,
  type FeeBumpTransaction,
  Keypair,
  Networks,
  Operation,
  type Transaction,
  TransactionBuilder,
} from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { builtinDefaults, compilePolicy, effectivePolicy, type Policy } from '../../signer/policy/config.ts'
import { evaluatePolicy } from '../../signer/policy/evaluate.ts'
import { decodeAndCheck } from '../../signer/tx/check.ts'
import {
  addr,
  buildTx,
  claimant,
  i128,
  invocation,
  muxedOf,
  NOW,
  NOW_S,
  pay,
  randomKey,
  sorobanOp,
  stroops,
  USDC,
  USDC_SAC,
  u32,
  XLM,
  XLM_SAC,
} from './policy-fixtures.ts'

const me = Keypair.random()
const ME = me.publicKey()
const FRIEND = randomKey()
const STRANGER = randomKey()
const BALANCE_ID = `00000000${'ab'.repeat(32)}`
const BASE = compilePolicy(builtinDefaults('testnet'), Networks.TESTNET)

type Case = {
  tx: () => Transaction | FeeBumpTransaction
  spent?: Record<string, number>
  approved?: boolean
  policy?: Policy
  claimed?: string
  expect: string
  spend?: Record<string, number>
}

const tx = (ops: Parameters<typeof buildTx>[0]['ops'], extra: Partial<Parameters<typeof buildTx>[0]> = {}) =>
  buildTx({ source: ME, ops, ...extra })

const bump = (inner: Transaction, fee = '400', feeSource = ME): FeeBumpTransaction =>
  TransactionBuilder.buildFeeBumpTransaction(feeSource, fee, inner, Networks.TESTNET)

const withUser = (u: Parameters<typeof effectivePolicy>[1]): Policy =>
  effectivePolicy(BASE, u, 'acc_tablecase0000000000')
const noApprovals = compilePolicy(
  { assets: [{ asset: 'native', perTx: '100', daily: '1000', approvalAbove: null }] },
  Networks.TESTNET,
)
const allowList = effectivePolicy(
  BASE,
  { assets: {}, destinations: { acc_tablecase0000000000: [FRIEND] } },
  'acc_tablecase0000000000',
)
const xferTree = (contract: string, amount: bigint, to = FRIEND, from = ME) =>
  invocation(contract, 'transfer', [addr(from), addr(to), i128(amount)])
const xfer = (contract: string, amount: bigint, to = FRIEND) =>
  sorobanOp(contract, 'transfer', [addr(ME), addr(to), i128(amount)], xferTree(contract, amount, to))

const CASES: Record<string, Case> = {
  // ── allowed ────────────────────────────────────────────────────────────────────────────────────────
  'a 10 XLM payment': { tx: () => tx([pay(FRIEND, '10')]), expect: 'allow', spend: { native: 10 } },
  'exactly the automatic limit (25 XLM)': { tx: () => tx([pay(FRIEND, '25')]), expect: 'allow' },
  'exactly the USDC automatic limit (100)': { tx: () => tx([pay(FRIEND, '100', USDC)]), expect: 'allow' },
  'a trustline': { tx: () => tx([Operation.changeTrust({ asset: USDC })]), expect: 'allow', spend: {} },
  'manage data': { tx: () => tx([Operation.manageData({ name: 'k', value: 'v' })]), expect: 'allow' },
  'set_options with nothing that controls the account': {
    tx: () => tx([Operation.setOptions({})]),
    expect: 'allow',
  },
  'claiming a claimable balance': {
    tx: () => tx([Operation.claimClaimableBalance({ balanceId: BALANCE_ID })]),
    expect: 'allow',
  },
  'a muxed source of its own account': {
    tx: () => buildTx({ source: muxedOf(ME), ops: [pay(FRIEND, '10')] }),
    expect: 'allow',
  },
  'a 20 XLM sell offer': {
    tx: () => tx([Operation.manageSellOffer({ selling: XLM, buying: USDC, amount: '20', price: '0.1' })]),
    expect: 'allow',
    spend: { native: 20 },
  },
  'a fee bump of its own 10 XLM payment': { tx: () => bump(tx([pay(FRIEND, '10')])), expect: 'allow' },
  'a fee bump sponsoring a stranger’s transaction (spends nothing of ours)': {
    tx: () => bump(buildTx({ source: STRANGER, ops: [pay(FRIEND, '5000')] })),
    expect: 'allow',
    spend: {},
  },
  'a Soroban SAC transfer of 10 XLM': {
    tx: () => tx([xfer(XLM_SAC, stroops(10))]),
    expect: 'allow',
    spend: { native: 10 },
  },
  'a destination on the allow-list': {
    tx: () => tx([pay(FRIEND, '10')]),
    policy: allowList,
    expect: 'allow',
  },
  'a muxed address of an allow-listed account': {
    tx: () => tx([pay(muxedOf(FRIEND), '10')]),
    policy: allowList,
    expect: 'allow',
  },
  'an approved 60 XLM payment': { tx: () => tx([pay(FRIEND, '60')]), approved: true, expect: 'allow' },
  // ── above the approval threshold ───────────────────────────────────────────────────────────────────
  'exactly the per-tx cap (100 XLM) needs approval': {
    tx: () => tx([pay(FRIEND, '100')]),
    expect: 'approval',
  },
  'split into two 15 XLM payments in one transaction': {
    tx: () => tx([pay(FRIEND, '15'), pay(STRANGER, '15')]),
    expect: 'approval',
    spend: { native: 30 },
  },
  'twenty 1.5 XLM operations': {
    tx: () => tx(Array.from({ length: 20 }, () => pay(FRIEND, '1.5'))),
    expect: 'approval',
    spend: { native: 30 },
  },
  'a path payment (strict receive) with send max 50': {
    tx: () =>
      tx([
        Operation.pathPaymentStrictReceive({
          sendAsset: XLM,
          sendMax: '50',
          destination: FRIEND,
          destAsset: USDC,
          destAmount: '1',
          path: [],
        }),
      ]),
    expect: 'approval',
  },
  'a path payment (strict send) of 50': {
    tx: () =>
      tx([
        Operation.pathPaymentStrictSend({
          sendAsset: XLM,
          sendAmount: '50',
          destination: FRIEND,
          destAsset: USDC,
          destMin: '1',
          path: [],
        }),
      ]),
    expect: 'approval',
  },
  'create_account with a 50 XLM starting balance': {
    tx: () => tx([Operation.createAccount({ destination: randomKey(), startingBalance: '50' })]),
    expect: 'approval',
  },
  'a 50 XLM claimable balance': {
    tx: () =>
      tx([Operation.createClaimableBalance({ asset: XLM, amount: '50', claimants: [claimant(FRIEND)] })]),
    expect: 'approval',
  },
  'a 50 XLM sell offer': {
    tx: () =>
      tx([Operation.manageSellOffer({ selling: XLM, buying: USDC, amount: '50', price: '0.0000001' })]),
    expect: 'approval',
  },
  'a buy offer whose price makes it sell 50 XLM': {
    tx: () =>
      tx([Operation.manageBuyOffer({ selling: XLM, buying: USDC, buyAmount: '100', price: { n: 1, d: 2 } })]),
    expect: 'approval',
    spend: { native: 50 },
  },
  'a buy offer rounds the sold amount up (1 stroop × 1/3)': {
    tx: () =>
      tx([
        Operation.manageBuyOffer({
          selling: XLM,
          buying: USDC,
          buyAmount: '0.0000001',
          price: { n: 1, d: 3 },
        }),
      ]),
    expect: 'allow',
    spend: { native: 0.0000001 },
  },
  'a 50 XLM passive sell offer': {
    tx: () =>
      tx([Operation.createPassiveSellOffer({ selling: XLM, buying: USDC, amount: '50', price: '1' })]),
    expect: 'approval',
  },
  'a muxed destination does not hide the amount': {
    tx: () => tx([pay(muxedOf(FRIEND), '50')]),
    expect: 'approval',
  },
  '200 USDC': { tx: () => tx([pay(FRIEND, '200', USDC)]), expect: 'approval' },
  'a fee bump of its own 50 XLM payment': { tx: () => bump(tx([pay(FRIEND, '50')])), expect: 'approval' },
  'a Soroban SAC transfer of 50 XLM': { tx: () => tx([xfer(XLM_SAC, stroops(50))]), expect: 'approval' },
  'a 50 XLM transfer nested under a router contract': {
    tx: () => {
      // The root call is some other contract's function; the SAC transfer from us is a sub-invocation.
      const tree = invocation(USDC_SAC, 'swap', [addr(ME)], [xferTree(XLM_SAC, stroops(50))])
      return tx([sorobanOp(USDC_SAC, 'swap', [addr(ME)], tree)])
    },
    expect: 'approval',
  },
  'a Soroban allowance (approve) of 50 XLM': {
    tx: () => {
      // SEP-41 approve(from, spender, amount: i128, expiration_ledger: u32)
      const args = [addr(ME), addr(FRIEND), i128(stroops(50)), u32(1000)]
      return tx([sorobanOp(XLM_SAC, 'approve', args, invocation(XLM_SAC, 'approve', args))])
    },
    expect: 'approval',
  },
  'a Soroban burn of 200 USDC': {
    tx: () => {
      const args = [addr(ME), i128(stroops(200))]
      return tx([sorobanOp(USDC_SAC, 'burn', args, invocation(USDC_SAC, 'burn', args))])
    },
    expect: 'approval',
  },
  'a user’s stricter approval limit (5) makes 6 XLM need approval': {
    tx: () => tx([pay(FRIEND, '6')]),
    policy: withUser({ assets: { native: { approvalAbove: '5' } }, destinations: {} }),
    expect: 'approval',
  },
  // ── denied ─────────────────────────────────────────────────────────────────────────────────────────
  'a payment past the daily cap (950 spent + 60)': {
    tx: () => tx([pay(FRIEND, '60')]),
    spent: { native: 950 },
    expect: 'ERR_POLICY_DAILY_CAP',
  },
  'one stroop after the day’s 1,000 XLM (split across transactions)': {
    tx: () => tx([pay(FRIEND, '0.0000001')]),
    spent: { native: 1000 },
    expect: 'ERR_POLICY_DAILY_CAP',
  },
  'an approval does not lift the daily cap': {
    tx: () => tx([pay(FRIEND, '60')]),
    spent: { native: 950 },
    approved: true,
    expect: 'ERR_POLICY_DAILY_CAP',
  },
  'a user’s stricter daily cap (20)': {
    tx: () => tx([pay(FRIEND, '15')]),
    spent: { native: 10 },
    policy: withUser({ assets: { native: { daily: '20' } }, destinations: {} }),
    expect: 'ERR_POLICY_DAILY_CAP',
  },
  'more than a whole day in one transaction (1,001 XLM)': {
    tx: () => tx([pay(FRIEND, '1001')]),
    expect: 'ERR_POLICY_TX_CAP',
  },
  'over the cap where approvals are disabled': {
    tx: () => tx([pay(FRIEND, '150')]),
    policy: noApprovals,
    expect: 'ERR_POLICY_TX_CAP',
  },
  'a look-alike USDC from another issuer': {
    tx: () => tx([pay(FRIEND, '1', new Asset('USDC', randomKey()))]),
    expect: 'ERR_POLICY_TX_CAP',
  },
  'an issued “XLM” impersonating the native asset': {
    tx: () => tx([pay(FRIEND, '1', new Asset('XLM', randomKey()))]),
    expect: 'ERR_POLICY_TX_CAP',
  },
  account_merge: {
    tx: () => tx([Operation.accountMerge({ destination: FRIEND })]),
    expect: 'ERR_POLICY_OPERATION',
  },
  'set_options adding a signer': {
    tx: () => tx([Operation.setOptions({ signer: { ed25519PublicKey: STRANGER, weight: 1 } })]),
    expect: 'ERR_POLICY_OPERATION',
  },
  'set_options zeroing the master weight': {
    tx: () => tx([Operation.setOptions({ masterWeight: 0 })]),
    expect: 'ERR_POLICY_OPERATION',
  },
  'set_options changing thresholds': {
    tx: () => tx([Operation.setOptions({ lowThreshold: 0, medThreshold: 0, highThreshold: 0 })]),
    expect: 'ERR_POLICY_OPERATION',
  },
  'set_options changing the home domain': {
    tx: () => tx([Operation.setOptions({ homeDomain: 'evil.example' })]),
    expect: 'ERR_POLICY_OPERATION',
  },
  'set_options setting issuer flags': {
    tx: () => tx([Operation.setOptions({ setFlags: 2 })]),
    expect: 'ERR_POLICY_OPERATION',
  },
  allow_trust: {
    tx: () => tx([Operation.allowTrust({ trustor: FRIEND, assetCode: 'USDC', authorize: 1 })]),
    expect: 'ERR_POLICY_OPERATION',
  },
  set_trust_line_flags: {
    tx: () =>
      tx([
        Operation.setTrustLineFlags({
          trustor: FRIEND,
          asset: new Asset('TUX', ME),
          flags: { authorized: false },
        }),
      ]),
    expect: 'ERR_POLICY_OPERATION',
  },
  clawback: {
    tx: () => tx([Operation.clawback({ from: FRIEND, asset: new Asset('TUX', ME), amount: '1' })]),
    expect: 'ERR_POLICY_OPERATION',
  },
  'a liquidity pool deposit (assets not visible)': {
    tx: () =>
      tx([
        Operation.liquidityPoolDeposit({
          liquidityPoolId: 'cd'.repeat(32),
          maxAmountA: '1000',
          maxAmountB: '1000',
          minPrice: '0.1',
          maxPrice: '10',
        }),
      ]),
    expect: 'ERR_POLICY_OPERATION',
  },
  'begin sponsoring future reserves (unsupported)': {
    tx: () => tx([Operation.beginSponsoringFutureReserves({ sponsoredId: STRANGER })]),
    expect: 'ERR_POLICY_OPERATION',
  },
  'a transfer on an unknown token contract': {
    tx: () => tx([xfer(unknownContract(), 1n)]),
    expect: 'ERR_POLICY_OPERATION',
  },
  'an operation sourced from a stranger’s account': {
    tx: () => tx([pay(FRIEND, '1'), pay(FRIEND, '1', XLM, STRANGER)]),
    expect: 'ERR_POLICY_SOURCE',
  },
  'a stranger’s transaction with one operation of ours': {
    tx: () => buildTx({ source: STRANGER, ops: [pay(FRIEND, '1', XLM, ME)] }),
    expect: 'ERR_POLICY_SOURCE',
  },
  'unbounded time (maxTime 0)': {
    tx: () => tx([pay(FRIEND, '1')], { maxTime: 0 }),
    expect: 'ERR_POLICY_TIME_BOUNDS',
  },
  'valid for an hour': {
    tx: () => tx([pay(FRIEND, '1')], { maxTime: NOW_S + 3600 }),
    expect: 'ERR_POLICY_TIME_BOUNDS',
  },
  'one second past the 5 minutes': {
    tx: () => tx([pay(FRIEND, '1')], { maxTime: NOW_S + 301 }),
    expect: 'ERR_POLICY_TIME_BOUNDS',
  },
  'a fee of 1,000,000 stroops for one operation': {
    tx: () => tx([pay(FRIEND, '1')], { fee: '1000000' }),
    expect: 'ERR_POLICY_FEE',
  },
  'a fee bump whose own fee is above the ceiling': {
    tx: () => bump(tx([pay(FRIEND, '1')]), '5000000'),
    expect: 'ERR_POLICY_FEE',
  },
  'a fee bump around an inner transaction with unbounded time': {
    tx: () => bump(tx([pay(FRIEND, '1')], { maxTime: 0 })),
    expect: 'ERR_POLICY_TIME_BOUNDS',
  },
  'a fee bump around an inner transaction with a denied operation': {
    tx: () => bump(tx([Operation.accountMerge({ destination: FRIEND })])),
    expect: 'ERR_POLICY_OPERATION',
  },
  'a destination not on the allow-list': {
    tx: () => tx([pay(STRANGER, '1')]),
    policy: allowList,
    expect: 'ERR_POLICY_DESTINATION',
  },
  'a claimable balance for someone off the allow-list': {
    tx: () =>
      tx([Operation.createClaimableBalance({ asset: XLM, amount: '1', claimants: [claimant(STRANGER)] })]),
    policy: allowList,
    expect: 'ERR_POLICY_DESTINATION',
  },
  'a Soroban transfer to someone off the allow-list': {
    tx: () => tx([xfer(XLM_SAC, 1n, STRANGER)]),
    policy: allowList,
    expect: 'ERR_POLICY_DESTINATION',
  },
  'the mainnet passphrase claimed by the caller': {
    tx: () => tx([pay(FRIEND, '1')]),
    claimed: Networks.PUBLIC,
    expect: 'ERR_TX_NETWORK_MISMATCH',
  },
}

function unknownContract(): string {
  return new Asset('TUX', randomKey()).contractId(Networks.TESTNET)
}

function run(c: Case): { verdict: string; spend?: Map<string, bigint> } {
  const envelope = c.tx()
  const checked = decodeAndCheck({
    xdr: envelope.toEnvelope().toXDR('base64'),
    publicKey: ME,
    networkPassphrase: Networks.TESTNET,
    claimedPassphrase: c.claimed,
  })
  if (!checked.ok) return { verdict: checked.error.code }
  const spentToday = new Map(Object.entries(c.spent ?? {}).map(([k, v]) => [k, stroops(v)]))
  const d = evaluatePolicy(
    c.policy ?? BASE,
    checked.value.tx,
    { signer: ME, spentToday, feesSpent: 0n, approved: c.approved ?? false },
    NOW,
  )
  return d.verdict === 'deny' ? { verdict: d.code } : { verdict: d.verdict, spend: new Map(d.spend) }
}

describe('spending policy table', () => {
  const rows = Object.entries(CASES)
  it('has at least 40 cases, most of them attempts to get around it', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40)
    expect(rows.filter(([, c]) => c.expect !== 'allow').length).toBeGreaterThan(rows.length / 2)
  })

  it.each(rows)('%s', (_name, c) => {
    const got = run(c)
    expect(got.verdict).toBe(c.expect)
    if (c.spend) {
      const want = new Map(Object.entries(c.spend).map(([k, v]) => [k, stroops(v)]))
      expect(got.spend).toEqual(want)
    }
  })

  it('is pure: the same input gives the same decision', () => {
    const t = tx([pay(FRIEND, '42')])
    const state = { signer: ME, spentToday: new Map(), feesSpent: 0n, approved: false }
    const a = evaluatePolicy(BASE, t, state, NOW)
    const b = evaluatePolicy(BASE, t, state, NOW)
    expect(a).toEqual(b)
  })
})

describe('policy configuration', () => {
  it.each([
    ['not an object', 'x', /root/],
    ['a float amount', { assets: [{ asset: 'native', perTx: 1.5, daily: '10' }] }, /assets\.0\.perTx/],
    ['daily below perTx', { assets: [{ asset: 'native', perTx: '10', daily: '5' }] }, /daily is below perTx/],
    [
      'approval threshold above the cap',
      { assets: [{ asset: 'native', perTx: '10', daily: '50', approvalAbove: '20' }] },
      /approvalAbove exceeds perTx/,
    ],
    ['an unknown key', { assets: [], extra: 1 }, /extra|Unrecognized/],
  ])('refuses %s', (_n, input, msg) => {
    expect(() => compilePolicy(input, Networks.TESTNET)).toThrow(msg)
  })

  it('a user cannot raise a limit: the merge takes the minimum', () => {
    const p = effectivePolicy(
      BASE,
      { assets: { native: { perTx: '5000', daily: '9999' } }, destinations: {} },
      'x',
    )
    expect(p.assets.get('native')).toEqual({
      perTx: stroops(100),
      daily: stroops(1000),
      approvalAbove: stroops(25),
    })
  })
})
