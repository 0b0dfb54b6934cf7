/**
 * What one operation does to the signing account, in the policy's terms: the amounts it can take out (per
 * asset, in stroops, the most it can take: send max, buy amount × price rounded up, a claimable balance, a
 * starting balance), the destinations it pays, or why it is refused outright. Pure.
 *
 * Deny by default: an operation type not named here is refused, so a new protocol operation cannot slip
 * through before someone has decided what it spends.
 */
import type { Asset, OperationRecord, Transaction, xdr } from '@stellar/stellar-sdk/base'
import type { ErrorCode } from '../../shared/errors.ts'
import { toStroops } from '../../shared/schemas/money.ts'
import { baseAccountOf } from '../../shared/schemas/stellar.ts'
import { readSorobanOp, type SorobanContext } from './soroban.ts'

export type SpendLine = { readonly asset: string; readonly amount: bigint }

export type OpEffect =
  | {
      readonly kind: 'effect'
      readonly spend: SpendLine[]
      readonly destinations: string[]
      /** An offer that can fill against anyone's: it pays whoever posts the other side, at its price. */
      readonly offer?: true
      /** Why a person must approve, whatever the amounts (a Soroban call the signer cannot fully read). */
      readonly approvals?: readonly string[]
    }
  | { readonly kind: 'deny'; readonly code: ErrorCode; readonly message: string }

export type EffectContext = {
  /** The signing account (G…); the operation's effective source is known to be it. */
  readonly owner: string
  /** Token contract id → asset key, from the policy. */
  readonly tokenContracts: ReadonlyMap<string, string>
  /** The raw XDR body of this operation, decoded only when needed (buy offer prices). */
  readonly rawBody: () => xdr.OperationBody | undefined
  /** What Soroban reading needs beyond the owner: own accounts, protocol registry, time (soroban.ts). */
  readonly soroban: SorobanContext
}

export const assetKey = (a: Asset): string => (a.isNative() ? 'native' : `${a.getCode()}:${a.getIssuer()}`)

const dest = (address: string): string => baseAccountOf(address) ?? address
const effect = (spend: SpendLine[], destinations: string[] = []): OpEffect => ({
  kind: 'effect',
  spend,
  destinations,
})
/** Amount 0 deletes an offer: it pays no one. Anything else is an open offer. */
const offer = (spend: SpendLine[]): OpEffect =>
  spend.every((l) => l.amount === 0n)
    ? effect(spend)
    : { kind: 'effect', spend, destinations: [], offer: true }
const deny = (message: string): OpEffect => ({ kind: 'deny', code: 'ERR_POLICY_OPERATION', message })
const line = (asset: Asset, amount: string): SpendLine => ({
  asset: assetKey(asset),
  amount: toStroops(amount),
})

export function effectOf(op: OperationRecord, ctx: EffectContext): OpEffect {
  switch (op.type) {
    case 'payment':
      return effect([line(op.asset, op.amount)], [dest(op.destination)])
    case 'pathPaymentStrictReceive':
      return effect([line(op.sendAsset, op.sendMax)], [dest(op.destination)])
    case 'pathPaymentStrictSend':
      return effect([line(op.sendAsset, op.sendAmount)], [dest(op.destination)])
    case 'createAccount':
      return effect([{ asset: 'native', amount: toStroops(op.startingBalance) }], [dest(op.destination)])
    case 'createClaimableBalance':
      return effect(
        [line(op.asset, op.amount)],
        op.claimants.map((c) => dest(c.destination)),
      )
    case 'manageSellOffer':
    case 'createPassiveSellOffer':
      return offer([line(op.selling, op.amount)])
    case 'manageBuyOffer':
      return buyOffer(op, ctx)
    case 'invokeHostFunction':
      return soroban(op, ctx)
    case 'setOptions': {
      // Signers, weights, thresholds and the home domain decide who controls the account; flags change an
      // issuer's powers. None of that is for an agent to change.
      const controls =
        op.signer !== undefined ||
        op.masterWeight !== undefined ||
        op.lowThreshold !== undefined ||
        op.medThreshold !== undefined ||
        op.highThreshold !== undefined ||
        op.homeDomain !== undefined ||
        op.setFlags !== undefined ||
        op.clearFlags !== undefined
      return controls
        ? deny('set_options may not change signers, thresholds, flags or home domain')
        : effect([])
    }
    case 'changeTrust':
    case 'manageData':
    case 'bumpSequence':
    case 'claimClaimableBalance':
    case 'liquidityPoolWithdraw':
    case 'extendFootprintTtl':
    case 'restoreFootprint':
      return effect([])
    case 'accountMerge':
      return deny('account_merge is not allowed')
    case 'allowTrust':
    case 'setTrustLineFlags':
      return deny(`${op.type} is not allowed`)
    case 'clawback':
    case 'clawbackClaimableBalance':
      return deny(`${op.type} is not allowed`)
    case 'liquidityPoolDeposit':
      // The operation names the pool by id only; which assets it takes cannot be read from the transaction.
      return deny('liquidity_pool_deposit is not allowed (its assets are not visible in the transaction)')
    default:
      return deny(`${op.type} is not allowed`)
  }
}

/** The raw XDR body of operation `i`: the SDK's records round prices, buy offers need the exact n/d. */
export function rawBodyOf(tx: Transaction, i: number): xdr.OperationBody | undefined {
  const raw: readonly unknown[] = tx.tx.operations
  return (raw[i] as { body?: unknown } | undefined)?.body as xdr.OperationBody | undefined
}

/** The most a buy offer sells: buyAmount × price (selling per buying), rounded up; undefined if unreadable. */
export function buyOfferMaxSold(body: xdr.OperationBody | undefined): bigint | undefined {
  if (body?.type !== 'manageBuyOffer') return undefined
  const { buyAmount, price } = body.manageBuyOfferOp
  const n = BigInt(price.n)
  const d = BigInt(price.d)
  if (n <= 0n || d <= 0n) return undefined
  return (BigInt(buyAmount) * n + d - 1n) / d
}

function buyOffer(op: Extract<OperationRecord, { type: 'manageBuyOffer' }>, ctx: EffectContext): OpEffect {
  const selling = buyOfferMaxSold(ctx.rawBody())
  if (selling === undefined) return deny('buy offer price unreadable or not positive')
  return offer([{ asset: assetKey(op.selling), amount: selling }])
}

/** Deny by default: every node the account authorises must be read (soroban.ts), or it is refused. */
function soroban(op: Extract<OperationRecord, { type: 'invokeHostFunction' }>, ctx: EffectContext): OpEffect {
  const r = readSorobanOp(op, ctx.soroban)
  if (!r.ok) return { kind: 'deny', code: r.code, message: r.message }
  return { kind: 'effect', ...r.reading }
}
