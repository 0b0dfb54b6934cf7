/**
 * Crossing a new offer against the book, at the makers' prices, best price first then oldest. Simplified
 * from stellar-core: no liabilities, no rounding-error thresholds, no liquidity pools; a maker's offer is
 * capped by what the maker actually holds. Every fill moves both assets and leaves a trade record.
 */
import { Keypair, xdr } from '@stellar/stellar-sdk/base'
import { available, canCredit, credit, debit } from './balances.ts'
import { type AssetRef, sameAsset, toSdkAsset, type World } from './state.ts'

export type TradeState = {
  ledger: number
  index: number
  makerOfferId: bigint
  maker: string
  taker: string
  takerOfferId: bigint
  /** What the maker sold (base) and the taker sold (counter). */
  makerSold: AssetRef
  makerAmount: bigint
  takerSold: AssetRef
  takerAmount: bigint
  price: { n: number; d: number }
}

export type CrossResult =
  | { ok: true; remaining: bigint; claimed: xdr.ClaimAtom[] }
  | { ok: false; code: 'op_cross_self' | 'op_line_full' }

/** Sells up to `amount` of `selling` for `buying` at no worse than `price` (buying per selling). */
export function cross(
  w: World,
  trades: TradeState[],
  taker: string,
  takerOfferId: bigint,
  selling: AssetRef,
  buying: AssetRef,
  amount: bigint,
  price: { n: number; d: number },
  baseReserve: bigint,
  ledger: number,
): CrossResult {
  const takerAcct = w.accounts.get(taker)
  if (!takerAcct) return { ok: true, remaining: amount, claimed: [] }
  // Makers sell `buying` for `selling` at q = selling per buying; they cross when p × q ≤ 1.
  const makers = [...w.offers.values()]
    .filter((o) => sameAsset(o.selling, buying) && sameAsset(o.buying, selling))
    .filter((o) => BigInt(price.n) * BigInt(o.price.n) <= BigInt(price.d) * BigInt(o.price.d))
    .sort((a, b) => a.price.n * b.price.d - b.price.n * a.price.d || (a.id < b.id ? -1 : 1))
  let remaining = amount
  const claimed: xdr.ClaimAtom[] = []
  for (const m of makers) {
    if (remaining <= 0n) break
    if (m.seller === taker) return { ok: false, code: 'op_cross_self' }
    const makerAcct = w.accounts.get(m.seller)
    if (!makerAcct) continue
    const q = { n: BigInt(m.price.n), d: BigInt(m.price.d) }
    const makerCan = available(w, makerAcct, buying, baseReserve) ?? 0n
    const offered = makerCan < m.amount ? makerCan : m.amount
    // The taker pays `sold` of `selling` for `bought` of `buying` at the maker's price q.
    const costAll = (offered * q.n + q.d - 1n) / q.n
    const [bought, sold] = remaining >= costAll ? [offered, costAll] : [(remaining * q.d) / q.n, remaining]
    if (bought <= 0n || sold <= 0n) break
    if (canCredit(takerAcct, buying, bought)) return { ok: false, code: 'op_line_full' }
    if (canCredit(makerAcct, selling, sold)) continue
    debit(w, makerAcct, buying, bought, 0n)
    credit(takerAcct, buying, bought)
    debit(w, takerAcct, selling, sold, 0n)
    credit(makerAcct, selling, sold)
    remaining -= sold
    m.amount -= bought
    if (m.amount <= 0n || bought === offered) w.offers.delete(m.id.toString())
    trades.push({
      ledger,
      index: trades.length,
      makerOfferId: m.id,
      maker: m.seller,
      taker,
      takerOfferId,
      makerSold: buying,
      makerAmount: bought,
      takerSold: selling,
      takerAmount: sold,
      price: m.price,
    })
    claimed.push(
      xdr.ClaimAtom.claimAtomTypeOrderBook(
        new xdr.ClaimOfferAtom({
          sellerId: Keypair.fromPublicKey(m.seller).xdrPublicKey(),
          offerId: m.id,
          assetSold: toSdkAsset(buying).toXDRObject(),
          amountSold: bought,
          assetBought: toSdkAsset(selling).toXDRObject(),
          amountBought: sold,
        }),
      ),
    )
  }
  return { ok: true, remaining, claimed }
}
