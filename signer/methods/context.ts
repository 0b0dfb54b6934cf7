/**
 * What every RPC method receives: the caller (already authenticated by mTLS + envelope), the request's store
 * transaction, keys, time.
 */
import type { Failure, Result } from '../../shared/result.ts'
import type { Account } from '../../shared/schemas/signer-rpc.ts'
import type { Keyring } from '../crypto/keyring.ts'
import type { Policy } from '../policy/config.ts'
import type { Prepared } from '../prepare.ts'
import type { AccountRow, Tx } from '../store/types.ts'
import type { Checked } from '../user-proof/verify.ts'

export type MethodContext = {
  readonly userId: string
  readonly requestId: string
  readonly now: Date
  /**
   * The request's one store transaction (sealed: rows MAC-checked). Accounts, ledger, approvals, policies,
   * passkeys, challenges: everything the method reads or writes commits with its audit entry, or not at all.
   */
  readonly tx: Tx
  readonly keyring: Keyring
  readonly networkPassphrase: string
  /** The deployment's default spending policy (signer/policy/config.ts). */
  readonly policy: Policy
  /** Fresh random ids (randomness stays at the rim). */
  readonly newId: (prefix: string) => string
  /** What the WebAuthn pre-check established about this request's assertion and registration. */
  readonly checked: Checked
  /** 16 fresh random bytes for a challenge. */
  readonly nonce: () => Uint8Array
  /** HMAC key for recovery codes (derived from SERVER_SALT_SECRET). */
  readonly recoveryKey: Uint8Array
  /** What signer/prepare.ts did before the transaction (HPKE open or seal); undefined for other methods. */
  readonly prepared: Prepared | undefined
}

/** A method's answer plus what the audit entry should name. */
export type Outcome<T> = {
  readonly response: Result<T, Failure>
  readonly accountId: string | null
  readonly txHash: string | null
}

export const done = <T>(
  value: T,
  accountId: string | null = null,
  txHash: string | null = null,
): Outcome<T> => ({
  response: { ok: true, value },
  accountId,
  txHash,
})

export const refused = <T>(
  error: Failure,
  accountId: string | null = null,
  txHash: string | null = null,
): Outcome<T> => ({
  response: { ok: false, error },
  accountId,
  txHash,
})

/** The one wording for "missing" and "someone else's": the caller must not be able to tell them apart. */
export const ACCOUNT_NOT_FOUND: Failure = { code: 'ERR_ACCOUNT_NOT_FOUND', message: 'account not found' }

export function toAccount(row: AccountRow): Account {
  return {
    accountId: row.id,
    publicKey: row.public_key,
    kind: row.kind,
    name: row.name,
    createdAt: row.created_at,
  }
}
