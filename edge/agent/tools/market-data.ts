/** market_data (read-only, public): order book, recent trades and asset info from Horizon. */
import { z } from 'zod'
import { assetLabel, assetOf, assetQuery } from '../../stellar/build-tx.ts'
import { defineTool, fail, ok } from '../define-tool.ts'

const Input = z
  .object({
    action: z.enum(['order_book', 'trades', 'asset_info']).describe('What to look up'),
    base_code: z.string().max(12).nullable().describe('Base asset code; null or "XLM" for XLM'),
    base_issuer: z.string().max(56).nullable().describe('Issuer of the base asset; null for XLM'),
    counter_code: z
      .string()
      .max(12)
      .nullable()
      .describe('Counter asset code (prices are counter per base); null for XLM'),
    counter_issuer: z.string().max(56).nullable().describe('Issuer of the counter asset; null for XLM'),
    limit: z.number().int().min(1).max(50).nullable().describe('How many levels or trades (default 10)'),
  })
  .strict()

export const marketData = defineTool({
  name: 'market_data',
  description:
    'Read market data from the Stellar DEX: order book, recent trades, or information about an issued asset.',
  input: Input,
  access: 'public',
  movesMoney: false,
  async execute(input, ctx) {
    const base = assetOf(input.base_code, input.base_issuer)
    const limit = input.limit ?? 10
    if (input.action === 'asset_info') {
      if (base.isNative()) return ok({ asset: 'XLM', native: true })
      const records = await ctx.horizon.assets(base.getCode(), base.getIssuer())
      const r = records[0]
      if (!r) return fail('ERR_NOT_FOUND', `no asset ${assetLabel(base)} on this network`)
      return ok({
        asset: assetLabel(base),
        holders: r.accounts?.authorized ?? null,
        supply: r.balances?.authorized ?? null,
        flags: r.flags ?? null,
      })
    }
    const counter = assetOf(input.counter_code, input.counter_issuer)
    if (counter.equals(base)) return fail('ERR_TOOL_INPUT', 'base and counter must differ')
    if (input.action === 'order_book') {
      const book = await ctx.horizon.orderBook(
        { ...assetQuery('selling', base), ...assetQuery('buying', counter) },
        limit,
      )
      const side = (l: { price: string; amount: string }) => ({ price: l.price, amount: l.amount })
      return ok({
        base: assetLabel(base),
        counter: assetLabel(counter),
        bids: book.bids.map(side),
        asks: book.asks.map(side),
      })
    }
    const trades = await ctx.horizon.trades(
      { ...assetQuery('base', base), ...assetQuery('counter', counter) },
      limit,
    )
    return ok({
      base: assetLabel(base),
      counter: assetLabel(counter),
      trades: trades.map((t) => ({
        at: t.ledger_close_time,
        baseAmount: t.base_amount,
        counterAmount: t.counter_amount,
        price: `${t.price.n}/${t.price.d}`,
      })),
    })
  },
})
