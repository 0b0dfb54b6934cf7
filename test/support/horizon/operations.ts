/**
 * Applies one decoded operation to the draft world and says how it went, with the codes stellar-core uses.
 * Supported: create_account, payment, path payments (through a fixed rate table), change_trust,
 * manage_sell_offer / manage_buy_offer (crossed against the book, see crossing.ts) / create_passive_sell_offer,
 * account_merge. Anything else is `op_not_supported`, so a test never mistakes "ignored" for "applied".
 */
import type { OperationRecord } from '@stellar/stellar-sdk/base'
import { toStroops } from '../../../shared/schemas/money.ts'
import { available, credit, debit } from './balances.ts'
import { cross } from './crossing.ts'
import {
  changeTrustOutcome,
  createAccountOutcome,
  mergeFailure,
  mergeSuccess,
  type OfferKind,
  type OpOutcome,
  offerFailure,
  offerSuccess,
  opNoSource,
  opNotSupported,
  type PathKind,
  pathFailure,
  pathSuccess,
  paymentOutcome,
} from './op-results.ts'
import { baseAccountId } from './signatures.ts'
import {
  type AssetRef,
  assetKey,
  fromSdkAsset,
  minimumBalance,
  newAccount,
  type OfferState,
  sameAsset,
  spendableNative,
  type World,
} from './state.ts'

/** `from>to` → how many units of `to` one unit of `from` buys, as a fraction. */
export type RateTable = ReadonlyMap<string, { n: bigint; d: bigint }>

export const rateKey = (from: AssetRef, to: AssetRef) => `${assetKey(from)}>${assetKey(to)}`

export type ApplyContext = {
  readonly world: World
  readonly baseReserve: bigint
  readonly ledger: number
  readonly rates: RateTable
}

const ONE_XLM = 10_000_000n

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b)
}

/** "0.5" → {n: 1, d: 2}: the exact fraction of a decimal price with at most seven places. */
export function priceFraction(price: string): { n: number; d: number } {
  const n = toStroops(price)
  const g = gcd(n, ONE_XLM)
  return { n: Number(n / g), d: Number(ONE_XLM / g) }
}

export function applyOperation(ctx: ApplyContext, op: OperationRecord, txSource: string): OpOutcome {
  const sourceId = baseAccountId(op.source ?? txSource)
  const source = ctx.world.accounts.get(sourceId)
  if (!source) return opNoSource()
  const w = ctx.world
  switch (op.type) {
    case 'createAccount': {
      const amount = toStroops(op.startingBalance)
      if (amount <= 0n || op.destination === sourceId) return createAccountOutcome('op_malformed')
      if (w.accounts.has(op.destination)) return createAccountOutcome('op_already_exists')
      if (amount < 2n * ctx.baseReserve) return createAccountOutcome('op_low_reserve')
      if (spendableNative(w, source, ctx.baseReserve) < amount) return createAccountOutcome('op_underfunded')
      source.native -= amount
      w.accounts.set(op.destination, newAccount(op.destination, amount, ctx.ledger))
      return createAccountOutcome('op_success')
    }
    case 'payment': {
      const amount = toStroops(op.amount)
      const asset = fromSdkAsset(op.asset)
      if (amount <= 0n) return paymentOutcome('op_malformed')
      const dest = w.accounts.get(baseAccountId(op.destination))
      if (!dest) return paymentOutcome('op_no_destination')
      const d = debit(w, source, asset, amount, ctx.baseReserve)
      if (d) return paymentOutcome(d === 'no_trust' ? 'op_src_no_trust' : 'op_underfunded')
      const c = credit(dest, asset, amount)
      if (c) return paymentOutcome(c === 'no_trust' ? 'op_no_trust' : 'op_line_full')
      return paymentOutcome('op_success')
    }
    case 'pathPaymentStrictSend':
    case 'pathPaymentStrictReceive':
      return pathPayment(ctx, op, sourceId)
    case 'changeTrust': {
      if (!('code' in op.line) || op.line.isNative()) return changeTrustOutcome('op_malformed')
      const asset = fromSdkAsset(op.line)
      if (asset.type !== 'credit') return changeTrustOutcome('op_malformed')
      if (asset.issuer === sourceId) return changeTrustOutcome('op_self_not_allowed')
      if (!w.accounts.has(asset.issuer)) return changeTrustOutcome('op_no_issuer')
      const limit = toStroops(op.limit)
      const key = assetKey(asset)
      const line = source.trustlines.get(key)
      if (!line) {
        if (limit === 0n) return changeTrustOutcome('op_invalid_limit')
        if (source.native < minimumBalance(w, source, ctx.baseReserve, 1))
          return changeTrustOutcome('op_low_reserve')
        source.trustlines.set(key, { ...asset, balance: 0n, limit, lastModifiedLedger: ctx.ledger })
        return changeTrustOutcome('op_success')
      }
      // A line cannot shrink below what it holds; removing it needs a zero balance.
      if (limit < line.balance) return changeTrustOutcome('op_invalid_limit')
      if (limit === 0n) source.trustlines.delete(key)
      else Object.assign(line, { limit, lastModifiedLedger: ctx.ledger })
      return changeTrustOutcome('op_success')
    }
    case 'manageSellOffer':
    case 'createPassiveSellOffer':
    case 'manageBuyOffer':
      return manageOffer(ctx, op, sourceId)
    case 'accountMerge': {
      const destId = baseAccountId(op.destination)
      const dest = w.accounts.get(destId)
      if (destId === sourceId) return mergeFailure('op_malformed')
      if (!dest) return mergeFailure('op_no_account')
      let subs = source.trustlines.size + source.signers.length + source.data.size
      for (const o of w.offers.values()) if (o.seller === sourceId) subs++
      if (subs > 0) return mergeFailure('op_has_sub_entries')
      const moved = source.native
      dest.native += moved
      w.accounts.delete(sourceId)
      return mergeSuccess(moved)
    }
    default:
      return opNotSupported()
  }
}

function pathPayment(
  ctx: ApplyContext,
  op: Extract<OperationRecord, { type: PathKind }>,
  sourceId: string,
): OpOutcome {
  const w = ctx.world
  const kind = op.type
  const source = w.accounts.get(sourceId)
  const destId = baseAccountId(op.destination)
  const dest = w.accounts.get(destId)
  if (!source) return opNoSource()
  if (!dest) return pathFailure(kind, 'op_no_destination')
  const from = fromSdkAsset(op.sendAsset)
  const to = fromSdkAsset(op.destAsset)
  const rate = sameAsset(from, to) ? { n: 1n, d: 1n } : ctx.rates.get(rateKey(from, to))
  if (!rate) return pathFailure(kind, 'op_too_few_offers')
  let send: bigint
  let receive: bigint
  if (op.type === 'pathPaymentStrictSend') {
    send = toStroops(op.sendAmount)
    receive = (send * rate.n) / rate.d
    if (receive < toStroops(op.destMin)) return pathFailure(kind, 'op_under_dest_min')
  } else {
    receive = toStroops(op.destAmount)
    send = (receive * rate.d + rate.n - 1n) / rate.n
    if (send > toStroops(op.sendMax)) return pathFailure(kind, 'op_over_source_max')
  }
  if (send <= 0n || receive <= 0n) return pathFailure(kind, 'op_malformed')
  const d = debit(w, source, from, send, ctx.baseReserve)
  if (d) return pathFailure(kind, d === 'no_trust' ? 'op_src_no_trust' : 'op_underfunded')
  const c = credit(dest, to, receive)
  if (c) return pathFailure(kind, c === 'no_trust' ? 'op_no_trust' : 'op_line_full')
  return pathSuccess(kind, destId, op.destAsset, { sent: send, received: receive })
}

function manageOffer(
  ctx: ApplyContext,
  op: Extract<OperationRecord, { type: OfferKind }>,
  sellerId: string,
): OpOutcome {
  const w = ctx.world
  const kind = op.type
  const seller = w.accounts.get(sellerId)
  if (!seller) return opNoSource()
  const selling = fromSdkAsset(op.selling)
  const buying = fromSdkAsset(op.buying)
  if (sameAsset(selling, buying)) return offerFailure(kind, 'op_malformed')
  const price = priceFraction(op.price)
  if (price.n <= 0) return offerFailure(kind, 'op_malformed')
  // A buy offer names the amount bought; the book stores the amount sold at price = buying per selling.
  const amount =
    op.type === 'manageBuyOffer'
      ? (toStroops(op.buyAmount) * BigInt(price.n)) / BigInt(price.d)
      : toStroops(op.amount)
  const offerId = op.type === 'createPassiveSellOffer' ? '0' : op.offerId
  const sellPrice = op.type === 'manageBuyOffer' ? { n: price.d, d: price.n } : price
  if (offerId !== '0') {
    const existing = w.offers.get(offerId)
    if (!existing || existing.seller !== sellerId) return offerFailure(kind, 'op_offer_not_found')
    if (amount === 0n) {
      w.offers.delete(offerId)
      return offerSuccess(kind, 'deleted')
    }
    Object.assign(existing, { amount, price: sellPrice, selling, buying, lastModifiedLedger: ctx.ledger })
    return offerSuccess(kind, 'updated', existing)
  }
  if (amount <= 0n) return offerFailure(kind, 'op_malformed')
  const have = available(w, seller, selling, ctx.baseReserve)
  if (have === undefined) return offerFailure(kind, 'op_sell_no_trust')
  if (buying.type === 'credit' && buying.issuer !== sellerId && !seller.trustlines.has(assetKey(buying))) {
    return offerFailure(kind, 'op_buy_no_trust')
  }
  if (seller.native < minimumBalance(w, seller, ctx.baseReserve, 1))
    return offerFailure(kind, 'op_low_reserve')
  if (have <= 0n || have < amount) return offerFailure(kind, 'op_underfunded')
  const offerNo = w.nextOfferId
  w.nextOfferId++
  // Passive offers never take from the book; the others cross before resting.
  const crossed =
    op.type === 'createPassiveSellOffer'
      ? { ok: true as const, remaining: amount, claimed: [] }
      : cross(w, w.trades, sellerId, offerNo, selling, buying, amount, sellPrice, ctx.baseReserve, ctx.ledger)
  if (!crossed.ok) return offerFailure(kind, crossed.code)
  if (crossed.remaining <= 0n) return offerSuccess(kind, 'deleted', undefined, crossed.claimed)
  const offer: OfferState = {
    id: offerNo,
    seller: sellerId,
    selling,
    buying,
    amount: crossed.remaining,
    price: sellPrice,
    lastModifiedLedger: ctx.ledger,
  }
  w.offers.set(offer.id.toString(), offer)
  return offerSuccess(kind, 'created', offer, crossed.claimed)
}
