/** trustlines: add or remove a trustline on one of the caller's accounts; removal is refused while a balance remains. */
import { Operation } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import { AmountSchema } from '../../../shared/schemas/money.ts'
import { assetLabel, assetOf } from '../../stellar/build-tx.ts'
import { resolveAccount } from '../accounts.ts'
import { defineTool, fail } from '../define-tool.ts'
import { submitClassic } from '../money.ts'

const Input = z
  .object({
    action: z.enum(['add', 'remove']).describe('add (trust the asset) or remove the trustline'),
    account: z
      .string()
      .max(80)
      .nullable()
      .describe('Account id, public key or name; null for your only account'),
    asset_code: z.string().max(12).describe('Asset code, for example "USDC"'),
    asset_issuer: z.string().max(56).describe("The asset issuer's account id (G…)"),
    limit: AmountSchema.nullable().describe('For add: the most this account may hold; null for the maximum'),
  })
  .strict()

export const trustlines = defineTool({
  name: 'trustlines',
  description: 'Add or remove a trustline so an account can hold an issued asset.',
  input: Input,
  access: 'user',
  movesMoney: true,
  async execute(input, ctx) {
    const account = resolveAccount(ctx, input.account)
    const asset = assetOf(input.asset_code, input.asset_issuer)
    if (asset.isNative()) return fail('ERR_TOOL_INPUT', 'XLM needs no trustline')
    if (input.action === 'remove') {
      const onLedger = await ctx.horizon.account(account.publicKey)
      const line = onLedger?.balances.find(
        (b) => b.asset_code === asset.getCode() && b.asset_issuer === asset.getIssuer(),
      )
      if (!line) return fail('ERR_TOOL_INPUT', `this account has no trustline for ${assetLabel(asset)}`)
      // Stellar refuses it too, but saying why beats a bare op_invalid_limit.
      if (line.balance !== '0.0000000' && line.balance !== '0')
        return fail(
          'ERR_TOOL_INPUT',
          `the account still holds ${line.balance} ${asset.getCode()}: send or sell it first`,
        )
      return submitClassic(ctx, {
        account,
        operations: [Operation.changeTrust({ asset, limit: '0' })],
        description: `Remove the ${assetLabel(asset)} trustline from ${account.publicKey}`,
      })
    }
    return submitClassic(ctx, {
      account,
      operations: [Operation.changeTrust({ asset, ...(input.limit ? { limit: input.limit } : {}) })],
      description: `Trust ${assetLabel(asset)} on ${account.publicKey}${input.limit ? ` up to ${input.limit}` : ''}`,
    })
  },
})
