/**
 * Horizon's market resources — offers, the order book, trades — rendered from the stand-in's book.
 * Amounts and prices are seven-decimal strings, as Horizon prints them.
 */
import type { TradeState } from './crossing.ts'
import {
  type AssetRef,
  assetFields,
  type OfferState,
  sameAsset,
  type World,
  wireAmount,
  wirePrice,
} from './state.ts'

type Json = Record<string, unknown>

export function offerRecord(o: OfferState): Json {
  return {
    id: o.id.toString(),
    paging_token: o.id.toString(),
    seller: o.seller,
    selling: assetFields(o.selling),
    buying: assetFields(o.buying),
    amount: wireAmount(o.amount),
    price_r: o.price,
    price: wirePrice(o.price),
    last_modified_ledger: o.lastModifiedLedger,
    last_modified_time: new Date(0).toISOString(),
  }
}

/**
 * The book for base/counter. Asks sell `base` for `counter` at counter-per-base; bids sell `counter` for
 * `base`, shown with the inverted price and their amount in `counter`, as Horizon does.
 */
export function orderBook(w: World, base: AssetRef, counter: AssetRef, limit: number): Json {
  const offers = [...w.offers.values()]
  const level = (o: OfferState, invert: boolean) => {
    const price_r = invert ? { n: o.price.d, d: o.price.n } : o.price
    return { price_r, price: wirePrice(price_r), amount: wireAmount(o.amount) }
  }
  const cmp = (a: { price_r: { n: number; d: number } }, b: { price_r: { n: number; d: number } }) =>
    a.price_r.n * b.price_r.d - b.price_r.n * a.price_r.d
  const asks = offers
    .filter((o) => sameAsset(o.selling, base) && sameAsset(o.buying, counter))
    .map((o) => level(o, false))
  const bids = offers
    .filter((o) => sameAsset(o.selling, counter) && sameAsset(o.buying, base))
    .map((o) => level(o, true))
  return {
    bids: bids.sort((a, b) => cmp(b, a)).slice(0, limit),
    asks: asks.sort(cmp).slice(0, limit),
    base: assetFields(base),
    counter: assetFields(counter),
  }
}

export function tradeRecord(t: TradeState, closedAt: Date): Json {
  const token = `${(BigInt(t.ledger) << 32n).toString()}-${t.index}`
  return {
    id: token,
    paging_token: token,
    ledger_close_time: closedAt.toISOString(),
    trade_type: 'orderbook',
    base_offer_id: t.makerOfferId.toString(),
    base_account: t.maker,
    base_amount: wireAmount(t.makerAmount),
    ...assetFields(t.makerSold, 'base_'),
    counter_offer_id: t.takerOfferId.toString(),
    counter_account: t.taker,
    counter_amount: wireAmount(t.takerAmount),
    ...assetFields(t.takerSold, 'counter_'),
    base_is_seller: true,
    // Counter per base: the maker's price.
    price: { n: String(t.price.n), d: String(t.price.d) },
  }
}
