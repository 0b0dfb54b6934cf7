/**
 * account_manager: the caller's Stellar accounts — list with balances, get, create, fund (test networks),
 * recent transactions. Export and import are refused here: a secret seed must never pass through the model,
 * so they live only behind the passkey-confirmed routes.
 */
import { z } from 'zod'
import { type Account, AccountNameSchema } from '../../../shared/schemas/signer-rpc.ts'
import type { Horizon } from '../../stellar/horizon.ts'
import { accountSummary, resolveAccount } from '../accounts.ts'
import { defineTool, fail, ok } from '../define-tool.ts'

const Input = z
  .object({
    action: z
      .enum(['list', 'get', 'create', 'fund', 'transactions', 'export', 'import'])
      .describe('What to do'),
    account: z
      .string()
      .max(80)
      .nullable()
      .describe(
        'For get/fund/transactions: account id (acc_…), public key (G…) or name; null for your only account',
      ),
    name: AccountNameSchema.nullable().describe(
      "For create: a name for the new account (letters, digits, spaces and _ . ' - only)",
    ),
    limit: z.number().int().min(1).max(50).nullable().describe('For transactions: how many (default 10)'),
  })
  .strict()

async function withBalances(horizon: Horizon, a: Account) {
  const onLedger = await horizon.account(a.publicKey)
  return {
    ...accountSummary(a),
    funded: onLedger !== undefined,
    balances: (onLedger?.balances ?? []).map((b) => ({
      asset: b.asset_type === 'native' ? 'XLM' : `${b.asset_code ?? '?'}:${b.asset_issuer ?? '?'}`,
      balance: b.balance,
    })),
  }
}

export const accountManager = defineTool({
  name: 'account_manager',
  description:
    "Manage the user's Stellar accounts: list (with balances), get, create, fund (test networks only), transactions. " +
    'Export and import of secret keys are not available to the assistant.',
  input: Input,
  access: 'user',
  movesMoney: (i) => i.action === 'create' || i.action === 'fund',
  async execute(input, ctx) {
    switch (input.action) {
      case 'list':
        return ok({ accounts: await Promise.all(ctx.accounts.map((a) => withBalances(ctx.horizon, a))) })
      case 'get':
        return ok(await withBalances(ctx.horizon, resolveAccount(ctx, input.account)))
      case 'create': {
        if (ctx.userId === undefined) return fail('ERR_AUTH_REQUIRED', 'sign in first')
        const created = await ctx.signer('accounts.create', ctx.userId, {
          kind: 'agent',
          ...(input.name ? { name: input.name } : {}),
        })
        ctx.accounts.push(created)
        return ok({ ...accountSummary(created), funded: false })
      }
      case 'fund': {
        const a = resolveAccount(ctx, input.account)
        const { hash } = await ctx.horizon.fund(a.publicKey)
        return ok({ ...accountSummary(a), funded: true, hash: hash ?? null })
      }
      case 'transactions': {
        const a = resolveAccount(ctx, input.account)
        const records = await ctx.horizon.transactions(a.publicKey, {
          limit: input.limit ?? 10,
          order: 'desc',
        })
        return ok({
          accountId: a.accountId,
          transactions: records.map((r) => ({
            hash: r.hash,
            ledger: r.ledger ?? null,
            createdAt: r.created_at,
            successful: r.successful,
            operationCount: r.operation_count ?? null,
          })),
        })
      }
      case 'export':
      case 'import':
        return fail(
          'ERR_FORBIDDEN',
          `${input.action} is not available in chat: secret keys never pass through the assistant. ` +
            `Use POST /api/accounts/${input.action === 'export' ? ':id/export' : 'import'} in the app, confirmed with your passkey.`,
        )
    }
  },
})
