/** Shared by create and import: mint the opaque id, seal the seed with the row's AAD, insert. */
import { randomBytes } from 'node:crypto'
import type { Account } from '../../shared/schemas/signer-rpc.ts'
import { type MethodContext, toAccount } from './context.ts'

export type NewAccount = {
  readonly seed: Uint8Array
  readonly publicKey: string
  readonly kind: 'user' | 'agent'
  readonly name: string | null
}

export const newAccountId = (): string => `acc_${randomBytes(16).toString('base64url')}`

export function storeNewAccount(ctx: MethodContext, a: NewAccount): Account {
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
  ctx.accounts.insert(row)
  return toAccount(row)
}
