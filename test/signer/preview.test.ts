/**
 * The signer's preview as known-answer text: every classic operation type in words, destinations in full,
 * the fee (inner and fee-bump outer), and the rows that try to hide something (another source's operation,
 * a stranger's transaction under our fee bump, an offer that pays whoever takes it, a memo).
 */
import {
  Account,
  Asset,
  Claimant,
  type FeeBumpTransaction,
  Keypair,
  Memo,
  Networks,
  Operation,
  type Transaction,
  TransactionBuilder,
  type xdr,
} from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { SignerPreviewSchema } from '../../shared/schemas/signer-rpc.ts'
import { builtinDefaults, compilePolicy } from '../../signer/policy/config.ts'
import { buildPreview } from '../../signer/policy/preview.ts'
import { addr, i128, invocation, sorobanOp, USDC, USDC_ISSUER, XLM, XLM_SAC } from './policy-fixtures.ts'

// Fixed keys: the expected texts below are known answers.
const ME = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 1)).publicKey()
const FRIEND = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 2)).publicKey()
const STRANGER = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 3)).publicKey()
const POOL = 'cd'.repeat(32)
const BALANCE = `00000000${'ab'.repeat(32)}`
const UNKNOWN_C = new Asset('TUX', FRIEND).contractId(Networks.TESTNET)
const U = `USDC (issuer ${USDC_ISSUER})`
const { tokenContracts } = compilePolicy(builtinDefaults('testnet'), Networks.TESTNET)

let seq = 500n
function txOf(ops: xdr.Operation[], opts: { source?: string; memo?: Memo } = {}) {
  seq += 1n
  const b = new TransactionBuilder(new Account(opts.source ?? ME, seq.toString()), {
    fee: '100',
    networkPassphrase: Networks.TESTNET,
    timebounds: { minTime: 0, maxTime: 1_000 },
    ...(opts.memo ? { memo: opts.memo } : {}),
  })
  for (const op of ops) b.addOperation(op)
  return b.build()
}
type Row = { tx: () => Transaction | FeeBumpTransaction; texts: string[]; fee?: string }

const ROWS: Record<string, Row> = {
  payment: {
    tx: () => txOf([Operation.payment({ destination: FRIEND, asset: XLM, amount: '10.5' })]),
    texts: [`Send 10.5 XLM to ${FRIEND}`],
    fee: '0.00001',
  },
  'payment of an issued asset names its issuer in full': {
    tx: () => txOf([Operation.payment({ destination: FRIEND, asset: USDC, amount: '3' })]),
    texts: [`Send 3 ${U} to ${FRIEND}`],
  },
  createAccount: {
    tx: () => txOf([Operation.createAccount({ destination: FRIEND, startingBalance: '2' })]),
    texts: [`Create account ${FRIEND} with 2 XLM`],
  },
  pathPaymentStrictReceive: {
    tx: () =>
      txOf([
        Operation.pathPaymentStrictReceive({
          sendAsset: XLM,
          sendMax: '20',
          destination: FRIEND,
          destAsset: USDC,
          destAmount: '2',
          path: [],
        }),
      ]),
    texts: [`Send at most 20 XLM so that ${FRIEND} receives 2 ${U}`],
  },
  pathPaymentStrictSend: {
    tx: () =>
      txOf([
        Operation.pathPaymentStrictSend({
          sendAsset: XLM,
          sendAmount: '20',
          destination: FRIEND,
          destAsset: USDC,
          destMin: '1.9',
          path: [],
        }),
      ]),
    texts: [`Send 20 XLM so that ${FRIEND} receives at least 1.9 ${U}`],
  },
  manageSellOffer: {
    tx: () => txOf([Operation.manageSellOffer({ selling: XLM, buying: USDC, amount: '50', price: '0.1' })]),
    texts: [`Offer to sell 50 XLM for ${U} at 0.1 each, to whoever takes it`],
  },
  'manageSellOffer replacing an offer': {
    tx: () =>
      txOf([
        Operation.manageSellOffer({ selling: XLM, buying: USDC, amount: '5', price: '2', offerId: '42' }),
      ]),
    texts: [`Offer to sell 5 XLM for ${U} at 2 each, to whoever takes it (replaces offer 42)`],
  },
  'manageSellOffer cancelling': {
    tx: () =>
      txOf([
        Operation.manageSellOffer({ selling: XLM, buying: USDC, amount: '0', price: '1', offerId: '42' }),
      ]),
    texts: ['Cancel offer 42'],
  },
  'manageBuyOffer (exact price, rounded up)': {
    tx: () =>
      txOf([Operation.manageBuyOffer({ selling: XLM, buying: USDC, buyAmount: '1', price: { n: 1, d: 3 } })]),
    texts: [`Offer to buy 1 ${U} paying up to 0.3333334 XLM (1/3 each), to whoever takes it`],
  },
  createPassiveSellOffer: {
    tx: () =>
      txOf([Operation.createPassiveSellOffer({ selling: USDC, buying: XLM, amount: '7', price: '9' })]),
    texts: [`Passive offer to sell 7 ${U} for XLM at 9 each, to whoever takes it`],
  },
  createClaimableBalance: {
    tx: () =>
      txOf([
        Operation.createClaimableBalance({
          asset: XLM,
          amount: '4',
          claimants: [
            new Claimant(FRIEND, Claimant.predicateUnconditional()),
            new Claimant(STRANGER, Claimant.predicateUnconditional()),
          ],
        }),
      ]),
    texts: [`Lock 4 XLM in a claimable balance for ${FRIEND}, ${STRANGER}`],
  },
  claimClaimableBalance: {
    tx: () => txOf([Operation.claimClaimableBalance({ balanceId: BALANCE })]),
    texts: [`Claim the claimable balance ${BALANCE}`],
  },
  accountMerge: {
    tx: () => txOf([Operation.accountMerge({ destination: FRIEND })]),
    texts: [`Close this account and send all of its XLM to ${FRIEND}`],
  },
  'changeTrust (add)': {
    tx: () => txOf([Operation.changeTrust({ asset: USDC })]),
    texts: [`Trust ${U}`],
  },
  'changeTrust (with a limit)': {
    tx: () => txOf([Operation.changeTrust({ asset: USDC, limit: '1000' })]),
    texts: [`Trust ${U} up to 1000`],
  },
  'changeTrust (remove)': {
    tx: () => txOf([Operation.changeTrust({ asset: USDC, limit: '0' })]),
    texts: [`Remove the trustline to ${U}`],
  },
  manageData: {
    tx: () =>
      txOf([
        Operation.manageData({ name: 'k', value: 'v' }),
        Operation.manageData({ name: 'k', value: null }),
      ]),
    texts: ['Set data entry "k"', 'Delete data entry "k"'],
  },
  bumpSequence: {
    tx: () => txOf([Operation.bumpSequence({ bumpTo: '9000' })]),
    texts: ['Move the sequence number to 9000'],
  },
  setOptions: {
    tx: () => txOf([Operation.setOptions({ inflationDest: FRIEND })]),
    texts: ['Change account options: inflationDest'],
  },
  liquidityPoolWithdraw: {
    tx: () =>
      txOf([
        Operation.liquidityPoolWithdraw({
          liquidityPoolId: POOL,
          amount: '3',
          minAmountA: '1',
          minAmountB: '1',
        }),
      ]),
    texts: [`Withdraw 3 shares from liquidity pool ${POOL}`],
  },
  'a SAC call names the token': {
    tx: () => {
      const args = [addr(ME), addr(FRIEND), i128(5n)]
      return txOf([sorobanOp(XLM_SAC, 'transfer', args, invocation(XLM_SAC, 'transfer', args))])
    },
    texts: [`Call \`transfer\` on the XLM token contract ${XLM_SAC}`],
  },
  'an unknown contract is named in full': {
    tx: () => txOf([sorobanOp(UNKNOWN_C, 'submit', [addr(ME)], invocation(UNKNOWN_C, 'submit', [addr(ME)]))]),
    texts: [`Call \`submit\` on contract ${UNKNOWN_C}`],
  },
  // ── rows that try to hide something ─────────────────────────────────────────────────────────────────
  'another source’s operation says whose it is': {
    tx: () => txOf([Operation.payment({ destination: FRIEND, asset: XLM, amount: '1', source: STRANGER })]),
    texts: [`Send 1 XLM to ${FRIEND} (from ${STRANGER})`],
  },
  'a stranger’s transaction under our fee bump says we pay its fee, and only the outer fee counts': {
    tx: () =>
      TransactionBuilder.buildFeeBumpTransaction(
        ME,
        '400',
        txOf([Operation.payment({ destination: FRIEND, asset: XLM, amount: '1' })], { source: STRANGER }),
        Networks.TESTNET,
      ),
    texts: [
      `Pay the network fee for a transaction of ${STRANGER}`,
      `Send 1 XLM to ${FRIEND} (from ${STRANGER})`,
    ],
    fee: '0.00008',
  },
  'our own fee-bumped transaction counts the inner and the outer fee': {
    tx: () =>
      TransactionBuilder.buildFeeBumpTransaction(
        ME,
        '400',
        txOf([Operation.payment({ destination: FRIEND, asset: XLM, amount: '1' })]),
        Networks.TESTNET,
      ),
    texts: [`Send 1 XLM to ${FRIEND}`],
    fee: '0.00009',
  },
  'a memo is shown (exchanges route deposits by it)': {
    tx: () =>
      txOf([Operation.payment({ destination: FRIEND, asset: XLM, amount: '1' })], { memo: Memo.id('77') }),
    texts: [`Send 1 XLM to ${FRIEND}`, 'Memo: 77'],
  },
  'twenty operations are twenty lines, fee per operation': {
    tx: () =>
      txOf(
        Array.from({ length: 20 }, () => Operation.payment({ destination: FRIEND, asset: XLM, amount: '1' })),
      ),
    texts: Array.from({ length: 20 }, () => `Send 1 XLM to ${FRIEND}`),
    fee: '0.0002',
  },
}

describe('signer preview', () => {
  it.each(Object.entries(ROWS))('%s', (_name, row) => {
    const p = buildPreview(row.tx(), { signer: ME, tokenContracts })
    expect(SignerPreviewSchema.parse(p)).toEqual(p)
    expect(p.source).toBe(ME)
    expect(p.lines.map((l) => l.text)).toEqual(row.texts)
    if (row.fee) expect(p.fee).toBe(row.fee)
  })

  it('carries the machine-readable parts beside the text (full destination, asset key, amount)', () => {
    const p = buildPreview(txOf([Operation.payment({ destination: FRIEND, asset: USDC, amount: '3' })]), {
      signer: ME,
      tokenContracts,
    })
    expect(p.lines).toEqual([
      {
        kind: 'payment',
        text: `Send 3 ${U} to ${FRIEND}`,
        asset: `USDC:${USDC_ISSUER}`,
        amount: '3',
        destination: FRIEND,
      },
    ])
  })
})
