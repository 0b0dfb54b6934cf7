/** accounts.delete: removes the row and its ciphertext; another user's id is "not found". */
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { ACCOUNT_NOT_FOUND, done, type MethodContext, type Outcome, refused } from './context.ts'

export function accountsDelete(
  ctx: MethodContext,
  params: SignerParams<'accounts.delete'>,
): Outcome<SignerResult<'accounts.delete'>> {
  if (!ctx.accounts.delete(ctx.userId, params.accountId)) return refused(ACCOUNT_NOT_FOUND, params.accountId)
  return done({ accountId: params.accountId, deleted: true as const }, params.accountId)
}
