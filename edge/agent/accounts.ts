/**
 * Resolving an account the model named. The model may say an account id (acc_…), a public key (G…) or a
 * name; it is looked up only among ctx.accounts, the caller's own. Another user's account therefore gets
 * exactly the answer an unknown one gets, before any Horizon or signer call is made.
 */
import { AppError } from '../../shared/errors.ts'
import type { Account } from '../../shared/schemas/signer-rpc.ts'
import type { ToolContext } from './define-tool.ts'

export function resolveAccount(ctx: ToolContext, ref: string | null): Account {
  if (ref === null) {
    const [only, ...rest] = ctx.accounts
    if (only && rest.length === 0) return only
    throw new AppError(
      'ERR_TOOL_INPUT',
      only
        ? 'you have several accounts: say which one (account id, public key or name)'
        : 'you have no accounts yet',
    )
  }
  const want = ref.trim()
  const found =
    ctx.accounts.find((a) => a.accountId === want || a.publicKey === want) ??
    ctx.accounts.find((a) => a.name !== null && a.name.toLowerCase() === want.toLowerCase())
  if (!found) throw new AppError('ERR_ACCOUNT_NOT_FOUND', 'no such account among yours')
  return found
}

/** What the model and the system prompt may see of an account: nothing secret. */
export const accountSummary = (a: Account) => ({
  accountId: a.accountId,
  name: a.name,
  publicKey: a.publicKey,
  kind: a.kind,
})
