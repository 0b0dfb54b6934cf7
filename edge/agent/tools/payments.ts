/**
 * payments: send XLM or an issued asset (creating a missing destination with create_account when the asset
 * is XLM), and path payments whose bound (destMin / sendMax) comes from the live order book and a slippage
 * cap. The source must be one of the caller's accounts; everything goes through submitClassic.
 */
import { Operation } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import { AmountSchema, fromStroops, toStroops } from '../../../shared/schemas/money.ts'
import { baseAccountOf, DestinationSchema } from '../../../shared/schemas/stellar.ts'
import { assetLabel, assetOf, assetQuery } from '../../stellar/build-tx.ts'
import { resolveAccount } from '../accounts.ts'
import { defineTool, fail } from '../define-tool.ts'
import { submitClassic } from '../money.ts'
import { costToBuy, levels, receivedFor, slippagePpb, withSlippage } from '../quote.ts'

const nullableCode = z.string().max(12).nullable()
const nullableIssuer = z.string().max(56).nullable()

const Input = z
  .object({
    action: z
      .enum(['send', 'path_send', 'path_receive'])
      .describe(
        'send: pay an exact amount; path_send: spend exactly `amount` of the source asset, receive dest asset; ' +
          'path_receive: deliver exactly `amount` of the dest asset',
      ),
    from: z
      .string()
      .max(80)
      .nullable()
      .describe('Source account: id (acc_…), public key or name; null for your only account'),
    to: DestinationSchema,
    amount: AmountSchema,
    asset_code: nullableCode.describe('Asset sent; null or "XLM" for native XLM'),
    asset_issuer: nullableIssuer.describe('Issuer (G…) of asset_code; null for XLM'),
    dest_asset_code: nullableCode.describe('For path payments: asset delivered; null for XLM'),
    dest_asset_issuer: nullableIssuer.describe('Issuer of dest_asset_code; null for XLM'),
    max_slippage_percent: z
      .string()
      .max(12)
      .nullable()
      .describe('For path payments: price tolerance in percent (default "1")'),
    memo: z.string().max(28).nullable().describe('Optional text memo (at most 28 bytes)'),
  })
  .strict()

export const payments = defineTool({
  name: 'payments',
  description:
    "Send money from one of the user's accounts: XLM or an issued asset, or a path payment converting through the DEX.",
  input: Input,
  access: 'user',
  movesMoney: true,
  async execute(input, ctx) {
    const account = resolveAccount(ctx, input.from)
    const asset = assetOf(input.asset_code, input.asset_issuer)
    const destBase = baseAccountOf(input.to)
    if (!destBase) return fail('ERR_TOOL_INPUT', 'to: not a valid destination')
    if (destBase === account.publicKey) return fail('ERR_TOOL_INPUT', 'the destination is the source account')
    if (input.action === 'send') {
      const exists = (await ctx.horizon.account(destBase)) !== undefined
      if (!exists) {
        if (!asset.isNative())
          return fail('ERR_TOOL_INPUT', `${input.to} does not exist yet; it must first be created with XLM`)
        if (input.to !== destBase)
          return fail('ERR_TOOL_INPUT', 'a muxed (M…) destination must already exist')
        return submitClassic(ctx, {
          account,
          operations: [Operation.createAccount({ destination: destBase, startingBalance: input.amount })],
          description: `Create account ${destBase} with ${input.amount} XLM from ${account.publicKey}`,
          memo: input.memo,
        })
      }
      return submitClassic(ctx, {
        account,
        operations: [Operation.payment({ destination: input.to, asset, amount: input.amount })],
        description: `Pay ${input.amount} ${assetLabel(asset)} from ${account.publicKey} to ${input.to}`,
        memo: input.memo,
      })
    }
    const destAsset = assetOf(input.dest_asset_code, input.dest_asset_issuer)
    if (destAsset.equals(asset)) return fail('ERR_TOOL_INPUT', 'a path payment needs two different assets')
    const ppb = slippagePpb(input.max_slippage_percent)
    if (typeof ppb === 'string') return fail('ERR_TOOL_INPUT', ppb)
    // Offers selling the destination asset for the source asset: what this payment would cross.
    const book = await ctx.horizon.orderBook(
      { ...assetQuery('selling', destAsset), ...assetQuery('buying', asset) },
      200,
    )
    const asks = levels(book.asks)
    const amount = toStroops(input.amount)
    if (input.action === 'path_send') {
      const q = receivedFor(asks, amount)
      if (!q) return fail('ERR_TOOL_INPUT', 'the order book is too thin for this conversion')
      const destMin = withSlippage(q.received, ppb, 'down')
      return submitClassic(ctx, {
        account,
        operations: [
          Operation.pathPaymentStrictSend({
            sendAsset: asset,
            sendAmount: input.amount,
            destination: input.to,
            destAsset,
            destMin,
            path: [],
          }),
        ],
        description: `Send ${input.amount} ${assetLabel(asset)} to ${input.to}, delivering at least ${destMin} ${assetLabel(destAsset)} (quote ${fromStroops(q.received)})`,
        memo: input.memo,
      })
    }
    const q = costToBuy(asks, amount)
    if (!q) return fail('ERR_TOOL_INPUT', 'the order book is too thin for this conversion')
    const sendMax = withSlippage(q.cost, ppb, 'up')
    return submitClassic(ctx, {
      account,
      operations: [
        Operation.pathPaymentStrictReceive({
          sendAsset: asset,
          sendMax,
          destination: input.to,
          destAsset,
          destAmount: input.amount,
          path: [],
        }),
      ],
      description: `Deliver ${input.amount} ${assetLabel(destAsset)} to ${input.to}, spending at most ${sendMax} ${assetLabel(asset)} (quote ${fromStroops(q.cost)})`,
      memo: input.memo,
    })
  },
})
