/** accounts.create: a fresh Ed25519 key, sealed before it touches the database. */
import { randomBytes } from 'node:crypto'
import { StrKey } from '@stellar/stellar-sdk/base'
import type { Account, SignerParams } from '../../shared/schemas/signer-rpc.ts'
import { publicKeyOf } from '../crypto/ed25519.ts'
import { done, type MethodContext, type Outcome, refused } from './context.ts'
import { accountQuotaProblem, storeNewAccount } from './store-account.ts'

export async function accountsCreate(
  ctx: MethodContext,
  params: SignerParams<'accounts.create'>,
): Promise<Outcome<Account>> {
  const quota = await accountQuotaProblem(ctx)
  if (quota) return refused(quota)
  const seed = new Uint8Array(randomBytes(32))
  try {
    const publicKey = StrKey.encodeEd25519PublicKey(Buffer.from(publicKeyOf(seed)))
    const account = await storeNewAccount(ctx, {
      seed,
      publicKey,
      kind: params.kind,
      name: params.name ?? null,
    })
    return done(account, account.accountId)
  } finally {
    seed.fill(0)
  }
}
