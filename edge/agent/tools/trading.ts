/**
 * trading: SDEX limit and market orders, cancel, open offers. A market order is a limit order whose price
 * is the best price on the live book moved by at most `max_slippage_percent`; if the book cannot fill the
 * amount within that bound the order is refused rather than left to fill at any price.
 */
import { type Asset, Operation } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import { AmountSchema, toStroops } from '../../../shared/schemas/money.ts'
import { assetLabel, assetOf, assetQuery } from '../../stellar/build-tx.ts'
import { resolveAccount } from '../accounts.ts'
import { defineTool, fail, ok } from '../define-tool.ts'
import { submitClassic } from '../money.ts'
import { costToBuy, levels, priceString, priceWithSlippage, slippagePpb } from '../quote.ts'

const Input = z
  .object({
    action: z.enum(['limit_buy', 'limit_sell', 'market_buy', 'market_sell', 'cancel', 'list_offers']),
    account: z
      .string()
      .max(80)
      .nullable()
      .describe('Account id, public key or name; null for your only account'),
    asset_code: z.string().max(12).nullable().describe('The asset bought or sold; null or "XLM" for XLM'),
    asset_issuer: z.string().max(56).nullable().describe('Its issuer; null for XLM'),
    counter_code: z.string().max(12).nullable().describe('The asset paid or received; null or "XLM" for XLM'),
    counter_issuer: z.string().max(56).nullable().describe('Its issuer; null for XLM'),
    amount: AmountSchema.nullable().describe('Amount of the asset bought or sold'),
    price: AmountSchema.nullable().describe('For limit orders: counter units per unit of the asset'),
    max_slippage_percent: z
      .string()
      .max(12)
      .nullable()
      .describe('For market orders: worst price move accepted (default "1")'),
    offer_id: z
      .string()
      .regex(/^[0-9]{1,19}$/)
      .nullable()
      .describe('For cancel: the offer id'),
  })
  .strict()

export const trading = defineTool({
  name: 'trading',
  description: 'Trade on the Stellar DEX: limit or market buy/sell, cancel an offer, list open offers.',
  input: Input,
  access: 'user',
  movesMoney: (i) => i.action !== 'list_offers',
  async execute(input, ctx) {
    const account = resolveAccount(ctx, input.account)
    if (input.action === 'list_offers') {
      const offers = await ctx.horizon.offers(account.publicKey)
      return ok({
        offers: offers.map((o) => ({
          id: o.id,
          selling: label(o.selling),
          buying: label(o.buying),
          amount: o.amount,
          price: o.price,
        })),
      })
    }
    if (input.action === 'cancel') {
      if (!input.offer_id) return fail('ERR_TOOL_INPUT', 'offer_id is required to cancel')
      const offer = (await ctx.horizon.offers(account.publicKey)).find((o) => o.id === input.offer_id)
      if (!offer) return fail('ERR_NOT_FOUND', `no open offer ${input.offer_id} on this account`)
      const selling = assetOf(offer.selling.asset_code ?? null, offer.selling.asset_issuer ?? null)
      const buying = assetOf(offer.buying.asset_code ?? null, offer.buying.asset_issuer ?? null)
      return submitClassic(ctx, {
        account,
        operations: [
          Operation.manageSellOffer({
            selling,
            buying,
            amount: '0',
            price: offer.price,
            offerId: input.offer_id,
          }),
        ],
        description: `Cancel offer ${input.offer_id} (${offer.amount} ${assetLabel(selling)} for ${assetLabel(buying)})`,
      })
    }
    const asset = assetOf(input.asset_code, input.asset_issuer)
    const counter = assetOf(input.counter_code, input.counter_issuer)
    if (asset.equals(counter)) return fail('ERR_TOOL_INPUT', 'the asset and the counter asset must differ')
    if (!input.amount) return fail('ERR_TOOL_INPUT', 'amount is required')
    const amount = input.amount
    if (input.action === 'limit_buy' || input.action === 'limit_sell') {
      if (!input.price) return fail('ERR_TOOL_INPUT', 'price is required for a limit order')
      return submitClassic(
        ctx,
        order(input.action === 'limit_buy' ? 'buy' : 'sell', asset, counter, amount, input.price, account),
      )
    }
    const ppb = slippagePpb(input.max_slippage_percent)
    if (typeof ppb === 'string') return fail('ERR_TOOL_INPUT', ppb)
    const want = toStroops(amount)
    if (input.action === 'market_buy') {
      // Asks sell the asset for the counter: buying crosses them, cheapest first.
      const book = await ctx.horizon.orderBook(
        { ...assetQuery('selling', asset), ...assetQuery('buying', counter) },
        200,
      )
      const asks = levels(book.asks)
      const best = asks[0]
      if (!best) return fail('ERR_TOOL_INPUT', 'nobody is selling this asset right now')
      const limit = priceWithSlippage(best.price, ppb, 'up')
      const q = costToBuy(asks, want)
      if (!q || toStroops(priceString(q.worst)) > toStroops(limit))
        return fail(
          'ERR_TOOL_INPUT',
          `the book cannot fill ${amount} within ${input.max_slippage_percent ?? '1'}% of ${priceString(best.price)}`,
        )
      return submitClassic(ctx, order('buy', asset, counter, amount, limit, account))
    }
    // Selling the asset crosses offers that sell the counter for it (bids on this pair).
    const book = await ctx.horizon.orderBook(
      { ...assetQuery('selling', counter), ...assetQuery('buying', asset) },
      200,
    )
    const asks = levels(book.asks) // price: asset per counter; amount: counter
    const best = asks[0]
    if (!best) return fail('ERR_TOOL_INPUT', 'nobody is buying this asset right now')
    const bestBid = { n: best.price.d, d: best.price.n } // counter per asset
    const limit = priceWithSlippage(bestBid, ppb, 'down')
    let left = want
    for (const l of asks) {
      if (left <= 0n) break
      if (toStroops(priceString({ n: l.price.d, d: l.price.n })) < toStroops(limit)) break
      const absorbs = (l.amount * l.price.n) / l.price.d // asset units this level takes
      // biome-ignore lint/complexity/useMathMinMax: bigint stroops; Math.min throws on bigint
      left -= absorbs < left ? absorbs : left
    }
    if (left > 0n)
      return fail(
        'ERR_TOOL_INPUT',
        `the book cannot absorb ${amount} within ${input.max_slippage_percent ?? '1'}% of ${priceString(bestBid)}`,
      )
    return submitClassic(ctx, order('sell', asset, counter, amount, limit, account))
  },
})

function order(
  side: 'buy' | 'sell',
  asset: Asset,
  counter: Asset,
  amount: string,
  price: string,
  account: ReturnType<typeof resolveAccount>,
) {
  const operation =
    side === 'sell'
      ? Operation.manageSellOffer({ selling: asset, buying: counter, amount, price })
      : Operation.manageBuyOffer({ selling: counter, buying: asset, buyAmount: amount, price })
  return {
    account,
    operations: [operation],
    description: `${side === 'buy' ? 'Buy' : 'Sell'} ${amount} ${assetLabel(asset)} at ${price} ${assetLabel(counter)} each (limit)`,
  }
}

const label = (a: {
  asset_type: string
  asset_code?: string | undefined
  asset_issuer?: string | undefined
}) => (a.asset_type === 'native' ? 'XLM' : `${a.asset_code ?? '?'}:${a.asset_issuer ?? '?'}`)
