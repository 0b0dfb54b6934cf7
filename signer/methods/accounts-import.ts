/** accounts.import: takes an S… seed, keeps only its sealed raw bytes. */
import { StrKey } from '@stellar/stellar-sdk/base'
import type { Account, SignerParams } from '../../shared/schemas/signer-rpc.ts'
import { publicKeyOf } from '../crypto/ed25519.ts'
import { done, type MethodContext, type Outcome, refused } from './context.ts'
import { accountQuotaProblem, storeNewAccount } from './store-account.ts'

export function accountsImport(
  ctx: MethodContext,
  params: SignerParams<'accounts.import'>,
): Outcome<Account> {
  const quota = accountQuotaProblem(ctx)
  if (quota) return refused(quota)
  let seed: Uint8Array
  try {
    seed = new Uint8Array(StrKey.decodeEd25519SecretSeed(params.secret))
  } catch {
    return refused({ code: 'ERR_ACCOUNT_SECRET_INVALID', message: 'not a valid Stellar secret seed' })
  }
  try {
    const publicKey = StrKey.encodeEd25519PublicKey(Buffer.from(publicKeyOf(seed)))
    // Scoped to this user: whether someone else holds the key is not this caller's business.
    if (ctx.accounts.existsPublicKey(ctx.userId, publicKey)) {
      return refused({ code: 'ERR_ACCOUNT_EXISTS', message: 'this key is already imported' })
    }
    const account = storeNewAccount(ctx, {
      seed,
      publicKey,
      kind: params.kind ?? 'user',
      name: params.name ?? null,
    })
    return done(account, account.accountId)
  } finally {
    seed.fill(0)
  }
}
