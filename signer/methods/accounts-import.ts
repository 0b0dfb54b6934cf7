/**
 * accounts.import: the seed arrives HPKE-sealed to the attested key (opened in signer/prepare.ts); this keeps
 * only its sealed raw bytes. Needs the user's proof over a challenge naming the SHA-256 of the sealed payload
 * (enc and ciphertext, as the browser sent them), the kind and the name: an edge cannot plant its own key
 * (whose funds it would control) in a user's wallet, nor swap the seal the user made. A seal that did not
 * open, or that opens to anything but an S… seed, is refused before anything is written.
 */
import { StrKey } from '@stellar/stellar-sdk/base'
import type { Account, SignerParams } from '../../shared/schemas/signer-rpc.ts'
import { publicKeyOf } from '../crypto/ed25519.ts'
import { proveOperation } from '../user-proof/consume.ts'
import { sealedDigest } from '../user-proof/descriptor.ts'
import { done, type MethodContext, type Outcome, refused } from './context.ts'
import { accountQuotaProblem, storeNewAccount } from './store-account.ts'

const dec = new TextDecoder()

export async function accountsImport(
  ctx: MethodContext,
  params: SignerParams<'accounts.import'>,
): Promise<Outcome<Account>> {
  const refusal = await proveOperation(ctx, {
    method: 'accounts.import',
    ...(params.kind ? { kind: params.kind } : {}),
    ...(params.name ? { name: params.name } : {}),
    sealedDigest: sealedDigest(params.sealed),
  })
  if (refusal) return refused(refusal)
  const quota = await accountQuotaProblem(ctx)
  if (quota) return refused(quota)
  const opened = ctx.prepared?.method === 'accounts.import' ? ctx.prepared.seed : undefined
  if (!opened) {
    return refused({
      code: 'ERR_SEAL_INVALID',
      message: 'the sealed seed does not open for this user and signer key',
    })
  }
  let seed: Uint8Array
  try {
    seed = new Uint8Array(StrKey.decodeEd25519SecretSeed(dec.decode(opened)))
  } catch {
    return refused({ code: 'ERR_ACCOUNT_SECRET_INVALID', message: 'not a valid Stellar secret seed' })
  }
  try {
    const publicKey = StrKey.encodeEd25519PublicKey(Buffer.from(publicKeyOf(seed)))
    // Scoped to this user: whether someone else holds the key is not this caller's business.
    if (await ctx.tx.accounts.existsPublicKey(ctx.userId, publicKey)) {
      return refused({ code: 'ERR_ACCOUNT_EXISTS', message: 'this key is already imported' })
    }
    const account = await storeNewAccount(ctx, {
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
