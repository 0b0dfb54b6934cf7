/**
 * accounts.delete: removes the row and its ciphertext; another user's id is "not found". Destroying a key
 * is the user's alone, so it needs the user's own proof (a passkey assertion over a signer challenge naming
 * this account and this operation). Threat this stops: a compromised edge, or anyone holding its client
 * certificate, destroying a user's sealed key (and with it the user's only copy of the account). A proof
 * for another account or another operation (an export) is refused; a refusal deletes nothing.
 */
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { proveOperation } from '../user-proof/consume.ts'
import { ACCOUNT_NOT_FOUND, done, type MethodContext, type Outcome, refused } from './context.ts'

export async function accountsDelete(
  ctx: MethodContext,
  params: SignerParams<'accounts.delete'>,
): Promise<Outcome<SignerResult<'accounts.delete'>>> {
  const row = await ctx.tx.accounts.get(ctx.userId, params.accountId)
  if (!row) return refused(ACCOUNT_NOT_FOUND, params.accountId)
  const refusal = await proveOperation(ctx, { method: 'accounts.delete', accountId: row.id })
  if (refusal) return refused(refusal, row.id)
  if (!(await ctx.tx.accounts.delete(ctx.userId, row.id))) return refused(ACCOUNT_NOT_FOUND, row.id)
  return done({ accountId: row.id, deleted: true as const }, row.id)
}
