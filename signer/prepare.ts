/**
 * The async half of the two methods that move a seed: HPKE runs on WebCrypto, which is asynchronous, and
 * nothing but the store may be awaited inside the request's transaction. So before the transaction, `prepare` opens an import's sealed seed
 * with the attested sealing key, or reads, decrypts and seals an export to the browser's key; the method then
 * runs inside the transaction as usual (re-checks the row, writes the audit entry, stores nothing secret).
 * A seal that does not open reaches the method as "did not open" and is refused there, so the refusal is
 * audited and nothing is stored. An export is read and sealed only when the WebAuthn pre-check found a
 * verified assertion whose challenge commits to this very export (account and recipient key): a request
 * without the user's proof, or with a proof for another recipient key, never has a seed decrypted or sealed
 * (the transaction then refuses it with the proof's own code). Plaintext bytes are zeroed once the reply is sent.
 */
import { StrKey } from '@stellar/stellar-sdk/base'
import type { Failure, Result } from '../shared/result.ts'
import { err, ok } from '../shared/result.ts'
import {
  AccountsExportParamsSchema,
  AccountsImportParamsSchema,
  SIGNER_MAX_CLOCK_SKEW_MS,
  SignerEnvelopeSchema,
} from '../shared/schemas/signer-rpc.ts'
import { fromBase64url, type SealedSeed, sealInfo, sealTo } from '../shared/seed-seal.ts'
import type { SealingKey } from './attestation/sealing-key.ts'
import type { Keyring } from './crypto/keyring.ts'
import { ACCOUNT_NOT_FOUND } from './methods/context.ts'
import type { Store } from './store/types.ts'
import { committedDigest, describe, digestOf } from './user-proof/descriptor.ts'
import type { Checked } from './user-proof/verify.ts'

export type ExportedSeed = {
  readonly accountId: string
  readonly publicKey: string
  readonly sealed: SealedSeed
}

export type Prepared =
  /** `seed` is the opened plaintext (UTF-8 of an S… seed), or undefined when the seal did not open. */
  | { readonly method: 'accounts.import'; readonly seed: Uint8Array | undefined }
  | { readonly method: 'accounts.export'; readonly result: Result<ExportedSeed, Failure> }

export type PrepareDeps = {
  /** Read-only here: the account row, MAC-checked, in a transaction of its own. */
  readonly store: Store
  readonly keyring: Keyring
  readonly sealingKey: SealingKey
  readonly clock: () => number
}

const enc = new TextEncoder()

/** The prepared input for `method`, or undefined when it needs none or its request will be refused anyway. */
export async function prepare(
  deps: PrepareDeps,
  method: string,
  body: unknown,
  checked: Checked = {},
): Promise<Prepared | undefined> {
  if (method !== 'accounts.import' && method !== 'accounts.export') return undefined
  const envelope = SignerEnvelopeSchema.safeParse(body)
  // A malformed or stale envelope is refused by the dispatcher; no key material is touched for it.
  if (!envelope.success || Math.abs(deps.clock() - envelope.data.issuedAt) > SIGNER_MAX_CLOCK_SKEW_MS) {
    return undefined
  }
  const { userId, params } = envelope.data
  if (method === 'accounts.import') {
    const p = AccountsImportParamsSchema.safeParse(params)
    if (!p.success) return undefined
    const seed = await deps.sealingKey.open(p.data.sealed, sealInfo('accounts.import', userId, null))
    return { method, seed }
  }
  const p = AccountsExportParamsSchema.safeParse(params)
  if (!p.success) return undefined
  const { accountId, recipientPublicKey } = p.data
  const descriptor = describe(userId, { method, accountId, recipientPublicKey })
  const assertion = checked.assertion
  if (!assertion?.ok || !descriptor || committedDigest(assertion.challenge) !== digestOf(descriptor)) {
    return undefined
  }
  return { method, result: await exportSealed(deps, userId, accountId, recipientPublicKey) }
}

async function exportSealed(
  deps: PrepareDeps,
  userId: string,
  accountId: string,
  recipientPublicKey: string,
): Promise<Result<ExportedSeed, Failure>> {
  const row = await deps.store.transaction(userId, (tx) => tx.accounts.get(userId, accountId))
  if (!row) return err(ACCOUNT_NOT_FOUND)
  const opened = deps.keyring.open({ userId, accountId: row.id, publicKey: row.public_key }, row.ciphertext)
  if (!opened.ok) return opened
  const seed = opened.value
  const text = enc.encode(StrKey.encodeEd25519SecretSeed(Buffer.from(seed)))
  try {
    const sealed = await sealTo(
      fromBase64url(recipientPublicKey),
      text,
      sealInfo('accounts.export', userId, row.id),
    )
    return ok({ accountId: row.id, publicKey: row.public_key, sealed })
  } catch {
    // WebCrypto refuses a point it cannot agree with (e.g. a low-order X25519 key): no seal, no seed out.
    return err({ code: 'ERR_SEAL_KEY_INVALID', message: 'recipientPublicKey is not a usable X25519 key' })
  } finally {
    seed.fill(0)
    text.fill(0)
  }
}

export function wipePrepared(p: Prepared | undefined): void {
  if (p?.method === 'accounts.import') p.seed?.fill(0)
}
