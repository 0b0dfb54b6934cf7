/**
 * accounts.export: the one route through which a secret leaves the signer. It needs the user's own proof
 * (a passkey assertion over a signer challenge naming this account): an edge or a leaked client certificate
 * alone cannot export. Its response is never stored by the idempotency layer.
 */
import { StrKey } from '@stellar/stellar-sdk/base'
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { proveOperation } from '../user-proof/consume.ts'
import { ACCOUNT_NOT_FOUND, done, type MethodContext, type Outcome, refused } from './context.ts'

export function accountsExport(
  ctx: MethodContext,
  params: SignerParams<'accounts.export'>,
): Outcome<SignerResult<'accounts.export'>> {
  const row = ctx.accounts.get(ctx.userId, params.accountId)
  if (!row) return refused(ACCOUNT_NOT_FOUND, params.accountId)
  const refusal = proveOperation(ctx, { method: 'accounts.export', accountId: row.id })
  if (refusal) return refused(refusal, row.id)
  const opened = ctx.keyring.open(
    { userId: ctx.userId, accountId: row.id, publicKey: row.public_key },
    row.ciphertext,
  )
  if (!opened.ok) return refused(opened.error, row.id)
  const seed = opened.value
  try {
    const secret = StrKey.encodeEd25519SecretSeed(Buffer.from(seed))
    return done({ accountId: row.id, publicKey: row.public_key, secret }, row.id)
  } finally {
    seed.fill(0)
  }
}
