/** Shared by create and import: the per-user quota, mint the opaque id, seal the seed with the row's AAD, insert. */
import { randomBytes } from 'node:crypto'
import type { Failure } from '../../shared/result.ts'
import type { Account } from '../../shared/schemas/signer-rpc.ts'
import { type MethodContext, toAccount } from './context.ts'

export type NewAccount = {
  readonly seed: Uint8Array
  readonly publicKey: string
  readonly kind: 'user' | 'agent'
  readonly name: string | null
}

export const newAccountId = (): string => `acc_${randomBytes(16).toString('base64url')}`

/**
 * The per-user account quota: one user cannot fill the keystore (or the listing every chat turn reads).
 * Checked inside the dispatcher's transaction, so concurrent creates cannot together pass it.
 */
export async function accountQuotaProblem(ctx: MethodContext): Promise<Failure | undefined> {
  const max = ctx.policy.maxAccountsPerUser
  if ((await ctx.tx.accounts.count(ctx.userId)) < max) return undefined
  return { code: 'ERR_ACCOUNT_QUOTA', message: `at most ${max} accounts per user; delete one first` }
}

export async function storeNewAccount(ctx: MethodContext, a: NewAccount): Promise<Account> {
  const id = newAccountId()
  const ciphertext = ctx.keyring.seal({ userId: ctx.userId, accountId: id, publicKey: a.publicKey }, a.seed)
  const row = {
    id,
    user_id: ctx.userId,
    public_key: a.publicKey,
    kind: a.kind,
    name: a.name,
    ciphertext,
    key_version: ctx.keyring.sealingKeyId,
    created_at: ctx.now.toISOString(),
  }
  await ctx.tx.accounts.insert(row)
  return toAccount(row)
}
