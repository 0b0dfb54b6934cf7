/** accounts.list and accounts.get: metadata only, never ciphertext. */
import type { Account, SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { ACCOUNT_NOT_FOUND, done, type MethodContext, type Outcome, refused, toAccount } from './context.ts'

export async function accountsList(
  ctx: MethodContext,
  _params: SignerParams<'accounts.list'>,
): Promise<Outcome<SignerResult<'accounts.list'>>> {
  return done({ accounts: (await ctx.tx.accounts.list(ctx.userId)).map(toAccount) })
}

export async function accountsGet(
  ctx: MethodContext,
  params: SignerParams<'accounts.get'>,
): Promise<Outcome<Account>> {
  const row = await ctx.tx.accounts.get(ctx.userId, params.accountId)
  return row ? done(toAccount(row), row.id) : refused(ACCOUNT_NOT_FOUND, params.accountId)
}
