/**
 * accounts.export: the one route through which a secret leaves the signer, and it leaves sealed (HPKE) to the
 * browser's ephemeral key and to (user, account, "accounts.export"): the edge relays bytes it cannot open.
 * It needs the user's own proof (a passkey assertion over a signer challenge naming this account AND the
 * recipient key): an edge or a leaked client certificate alone cannot export, and an edge that relays the
 * user's genuine proof with its own recipient key is refused (another key is another operation).
 * The read, decrypt and seal happen in signer/prepare.ts (WebCrypto is async), and only for a request whose
 * pre-checked proof commits to this very export; here, inside the transaction, the proof is consumed, the
 * row checked again and the audit entry written. Never stored by the idempotency layer.
 */
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { proveOperation } from '../user-proof/consume.ts'
import { ACCOUNT_NOT_FOUND, done, type MethodContext, type Outcome, refused } from './context.ts'

export async function accountsExport(
  ctx: MethodContext,
  params: SignerParams<'accounts.export'>,
): Promise<Outcome<SignerResult<'accounts.export'>>> {
  const row = await ctx.tx.accounts.get(ctx.userId, params.accountId)
  if (!row) return refused(ACCOUNT_NOT_FOUND, params.accountId)
  const refusal = await proveOperation(ctx, {
    method: 'accounts.export',
    accountId: row.id,
    recipientPublicKey: params.recipientPublicKey,
  })
  if (refusal) return refused(refusal, row.id)
  const result = ctx.prepared?.method === 'accounts.export' ? ctx.prepared.result : undefined
  if (!result) return refused({ code: 'ERR_INTERNAL', message: 'internal error' }, row.id)
  // The seal was made for this very row (same user, same id): anything else is refused, never released.
  if (!result.ok) return refused(result.error, row.id)
  if (result.value.accountId !== row.id) return refused(ACCOUNT_NOT_FOUND, row.id)
  return done(result.value, row.id)
}
