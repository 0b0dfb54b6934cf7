/**
 * The signer's store, in two layers. Threat this stops: a database (or its operator) that edits, plants or
 * swaps rows. Engines (`sqlite/`, `postgres/`) implement `RawTx`: plain reads and conditional writes of
 * rows that each carry a `mac`. `sealed.ts` turns a `RawTx` into the `Tx` every method uses: it computes
 * the MAC of every row it writes and checks the MAC of every row a decision reads (a row that fails is a
 * refusal, `StoreTamperedError`, never a zero), and it keeps the spending ledger's cumulative totals so a
 * rolling-window total is two MAC-checked rows, not a SUM over rows nobody authenticated.
 *
 * Rules both engines keep:
 * - `transaction(userId, fn)` runs `fn` atomically and serialised with every other transaction of the same
 *   user, on every replica (SQLite: one writer; PostgreSQL: pg_advisory_xact_lock on the user, READ
 *   COMMITTED). The audit append serialises all users (a locked head row): one linear chain.
 * - Inside `fn` nothing awaits anything but the store (no network, no WebAuthn, no HPKE): those run before.
 * - A failed commit rejects; the caller's retry (same requestId) runs from scratch.
 * - The database unreachable: `StoreUnavailableError` at once (no hang), never a half-written request.
 * - Amounts are bigint; every user-scoped query takes the user id in its WHERE clause.
 */
import type { ErrorCode } from '../../shared/errors.ts'

/** A row's MAC as stored: `<keyId>.<base64url HMAC-SHA256>` (versioned like the ciphertexts). */
export type Mac = string

export type AccountRow = {
  readonly id: string
  readonly user_id: string
  readonly public_key: string
  readonly kind: 'user' | 'agent'
  readonly name: string | null
  readonly ciphertext: string
  readonly key_version: string
  readonly created_at: string
}

export type RequestRow = {
  readonly request_id: string
  readonly fingerprint: string
  readonly status: number
  /** null when the response carried a secret (accounts.export): secrets are never stored in clear. */
  readonly response: string | null
  readonly created_ms: number
}

export type AuditFields = {
  readonly at: string
  readonly request_id: string
  readonly method: string
  readonly user_id: string
  readonly account_id: string | null
  readonly tx_hash: string | null
  readonly decision: 'allow' | 'deny'
  readonly reason_code: ErrorCode | null
  readonly reason?: string | null
}

export type AuditRow = AuditFields & {
  readonly seq: number
  readonly prev_hash: string
  readonly hash: string
}

/** The chain's newest entry: carried, signed, in every response; the edge refuses one that goes back. */
export type AuditHead = { readonly seq: number; readonly hash: string }

/** One ledger line. `cum`: the user's counted total of `asset` up to and including this line. */
export type SpendingLineRow = {
  readonly request_id: string
  readonly user_id: string
  readonly account_id: string
  readonly day: string
  readonly asset: string
  readonly stroops: bigint
  readonly tx_hash: string
  readonly approval_id: string | null
  readonly at: string
  readonly counts: boolean
  readonly cum: bigint
}

/** Per user: the counted total of every ledger key ever (decimal strings of stroops) and the line count. */
export type SpendingHeadRow = {
  readonly user_id: string
  readonly totals: Readonly<Record<string, string>>
  readonly lines: number
}

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'used'] as const
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number]

export type ApprovalRow = {
  readonly id: string
  readonly user_id: string
  readonly account_id: string
  readonly tx_hash: string
  readonly xdr: string
  /** JSON: { [assetKey]: decimal string }. */
  readonly amounts: string
  readonly reason: string
  /** JSON SignerPreview built from `xdr` when the approval was opened. */
  readonly preview: string | null
  readonly status: ApprovalStatus
  readonly counts_daily: number
  readonly created_ms: number
  readonly expires_ms: number
  readonly decided_ms: number | null
  readonly used_ms: number | null
}

export type UserPolicyRow = { readonly user_id: string; readonly policy: string; readonly updated_at: string }

export type CredentialRow = {
  readonly id: string
  readonly user_id: string
  readonly public_key: string
  readonly counter: number
  readonly uv: 0 | 1
  readonly transports: string
  readonly created_at: string
  readonly last_used_at: string | null
}

export type ChallengeRow = {
  readonly challenge: string
  readonly user_id: string
  readonly method: string
  readonly digest: string
  readonly expires_ms: number
  readonly used_ms: number | null
}

export type RecoveryCodeRow = {
  readonly user_id: string
  readonly code_hash: string
  readonly used_ms: number | null
}
export type RecoveryGrantRow = { readonly user_id: string; readonly expires_ms: number }

/** A row as an engine stores it: the row and its MAC. */
export type Stored<T> = T & { readonly mac: Mac }

/** What an engine implements. No MAC is computed or checked here; `sealed.ts` does both. */
export type RawTx = {
  readonly accounts: {
    insert(row: Stored<AccountRow>): Promise<void>
    get(userId: string, id: string): Promise<Stored<AccountRow> | undefined>
    byPublicKey(userId: string, publicKey: string): Promise<Stored<AccountRow> | undefined>
    list(userId: string): Promise<Stored<AccountRow>[]>
    count(userId: string): Promise<number>
    delete(userId: string, id: string): Promise<boolean>
    /** Rotation: rows not under `keyVersion`, by id after `afterId`. */
    notUnder(keyVersion: string, afterId: string, limit: number): Promise<Stored<AccountRow>[]>
    countNotUnder(keyVersion: string): Promise<number>
    /** Compare-and-swap on the ciphertext; false when the row changed or went away meanwhile. */
    swapCiphertext(
      userId: string,
      id: string,
      fromCiphertext: string,
      to: Stored<AccountRow>,
    ): Promise<boolean>
  }
  readonly requests: {
    get(requestId: string): Promise<Stored<RequestRow> | undefined>
    insert(row: Stored<RequestRow>): Promise<void>
  }
  readonly audit: {
    /** Appends after the current head (locked until commit); returns the new head. */
    append(
      fields: AuditFields,
      hashOf: (prev: AuditHead | undefined, seq: number) => string,
    ): Promise<AuditHead>
    head(): Promise<AuditHead | undefined>
    listForUser(userId: string, beforeSeq: number, limit: number): Promise<AuditRow[]>
    /** In seq order, after `afterSeq` (verify-audit). */
    range(afterSeq: number, limit: number): Promise<AuditRow[]>
  }
  readonly spending: {
    head(userId: string): Promise<Stored<SpendingHeadRow> | undefined>
    /** Inserts or replaces the head; `expectedLines` guards against a concurrent writer (false: raced). */
    putHead(row: Stored<SpendingHeadRow>, expectedLines: number | undefined): Promise<boolean>
    /** The newest line of (user, asset) with at <= `atOrBefore` (the window's boundary). */
    lastLineAtOrBefore(
      userId: string,
      asset: string,
      atOrBefore: string,
    ): Promise<Stored<SpendingLineRow> | undefined>
    /** Lines of this user and transaction hash (idempotent counting). */
    linesForHash(userId: string, txHash: string): Promise<Stored<SpendingLineRow>[]>
    insertLine(row: Stored<SpendingLineRow>): Promise<void>
    /** Report totals per UTC day (not MAC'd: no decision reads them). */
    bumpDay(userId: string, day: string, asset: string, stroops: bigint): Promise<void>
    linesOf(userId: string): Promise<Stored<SpendingLineRow>[]>
  }
  readonly approvals: {
    insert(row: Stored<ApprovalRow>): Promise<void>
    get(userId: string, id: string): Promise<Stored<ApprovalRow> | undefined>
    pendingFor(
      userId: string,
      accountId: string,
      txHash: string,
      nowMs: number,
    ): Promise<Stored<ApprovalRow> | undefined>
    pendingCount(userId: string, nowMs: number): Promise<number>
    list(userId: string, limit: number): Promise<Stored<ApprovalRow>[]>
    /** Writes `to` only while the row's status is still `from`; false otherwise. */
    transition(userId: string, id: string, from: ApprovalStatus, to: Stored<ApprovalRow>): Promise<boolean>
  }
  readonly userPolicies: {
    get(userId: string): Promise<Stored<UserPolicyRow> | undefined>
    put(row: Stored<UserPolicyRow>): Promise<void>
  }
  readonly users: {
    credential(userId: string, id: string): Promise<Stored<CredentialRow> | undefined>
    credentialTaken(id: string): Promise<boolean>
    credentials(userId: string): Promise<Stored<CredentialRow>[]>
    addCredential(row: Stored<CredentialRow>): Promise<void>
    /** Writes `to` only while the stored counter is still `fromCounter`. */
    updateCredential(
      userId: string,
      id: string,
      fromCounter: number,
      to: Stored<CredentialRow>,
    ): Promise<boolean>
    removeCredential(userId: string, id: string): Promise<boolean>
    addChallenge(row: Stored<ChallengeRow>): Promise<void>
    challenge(value: string): Promise<Stored<ChallengeRow> | undefined>
    /** Writes `to` (used) only while used_ms is still null. */
    useChallenge(value: string, to: Stored<ChallengeRow>): Promise<boolean>
    addRecoveryCode(row: Stored<RecoveryCodeRow>): Promise<void>
    recoveryCode(userId: string, hash: string): Promise<Stored<RecoveryCodeRow> | undefined>
    recoveryCodes(userId: string): Promise<Stored<RecoveryCodeRow>[]>
    /** Writes `to` (used) only while used_ms is still null. */
    spendRecoveryCode(to: Stored<RecoveryCodeRow>): Promise<boolean>
    putGrant(row: Stored<RecoveryGrantRow>): Promise<void>
    /** Deletes and returns the user's grant (whether live or not: the caller checks MAC and expiry). */
    takeGrant(userId: string): Promise<Stored<RecoveryGrantRow> | undefined>
  }
}

export type StoreKind = 'sqlite' | 'postgres'

/** An engine: transactions over `RawTx`. */
export type Engine = {
  readonly kind: StoreKind
  transaction<T>(userId: string, fn: (tx: RawTx) => Promise<T>): Promise<T>
  /** Deletes idempotency records and challenges past their retention. */
  prune(nowMs: number): Promise<void>
  close(): Promise<void>
}

/** The database could not be reached or answered in time: the request is refused (503), nothing written. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
  readonly code = 'ERR_SIGNER_UNAVAILABLE' as const
}

/** A row failed its MAC (or a row that must exist is missing): refused and logged, never read as zero. */
export class StoreTamperedError extends Error {
  override readonly name = 'StoreTamperedError'
  readonly table: string
  readonly key: string
  constructor(table: string, key: string) {
    super(`row ${table}/${key} failed its integrity check`)
    this.table = table
    this.key = key
  }
}

/** A ledger line as tx.sign records it (sealed.ts adds `cum`, the MAC and the head). */
export type NewSpendingLine = {
  readonly requestId: string
  readonly userId: string
  readonly accountId: string
  readonly day: string
  readonly asset: string
  readonly stroops: bigint
  readonly txHash: string
  readonly approvalId: string | null
  readonly at: string
  /** Counts against the caps (false only for an approval that exempts its payment). */
  readonly counts: boolean
}

/**
 * What methods use (`ctx.tx`): rows come back MAC-checked (a failure throws StoreTamperedError), rows go
 * in MAC'd. The same calls as the old synchronous stores, awaited.
 */
export type Tx = {
  readonly accounts: {
    insert(row: AccountRow): Promise<void>
    get(userId: string, id: string): Promise<AccountRow | undefined>
    existsPublicKey(userId: string, publicKey: string): Promise<boolean>
    list(userId: string): Promise<AccountRow[]>
    count(userId: string): Promise<number>
    delete(userId: string, id: string): Promise<boolean>
    notUnder(keyVersion: string, afterId: string, limit: number): Promise<AccountRow[]>
    countNotUnder(keyVersion: string): Promise<number>
    swapCiphertext(row: AccountRow, ciphertext: string, keyVersion: string): Promise<boolean>
  }
  readonly requests: {
    get(requestId: string): Promise<RequestRow | undefined>
    insert(row: RequestRow): Promise<void>
  }
  readonly audit: {
    append(fields: AuditFields): Promise<AuditHead>
    head(): Promise<AuditHead | undefined>
    listForUser(userId: string, beforeSeq: number, limit: number): Promise<AuditRow[]>
    range(afterSeq: number, limit: number): Promise<AuditRow[]>
  }
  readonly spending: {
    /** Counted spending (and fees under FEE_LEDGER_KEY) in the 24 h before `now`, per ledger key. */
    spentInWindow(userId: string, now: Date): Promise<Map<string, bigint>>
    alreadyCounted(userId: string, txHash: string): Promise<boolean>
    record(lines: readonly NewSpendingLine[]): Promise<void>
    /** Creates the user's zero head if absent (with the first account): a missing head is then tampering. */
    ensureHead(userId: string): Promise<void>
    linesOf(userId: string): Promise<SpendingLineRow[]>
  }
  readonly approvals: {
    insert(row: ApprovalRow): Promise<void>
    get(userId: string, id: string): Promise<ApprovalRow | undefined>
    pendingFor(
      userId: string,
      accountId: string,
      txHash: string,
      nowMs: number,
    ): Promise<ApprovalRow | undefined>
    pendingCount(userId: string, nowMs: number): Promise<number>
    list(userId: string, limit: number): Promise<ApprovalRow[]>
    decide(
      userId: string,
      id: string,
      from: ApprovalStatus,
      to: ApprovalStatus,
      nowMs: number,
    ): Promise<boolean>
    use(userId: string, id: string, nowMs: number): Promise<boolean>
  }
  readonly userPolicies: {
    /** The stored JSON (parsed and validated by policy/store.ts's caller), or undefined. */
    get(userId: string): Promise<string | undefined>
    put(userId: string, policyJson: string, at: string): Promise<void>
  }
  readonly users: {
    credential(userId: string, id: string): Promise<CredentialRow | undefined>
    credentialTaken(id: string): Promise<boolean>
    credentials(userId: string): Promise<CredentialRow[]>
    addCredential(row: Omit<CredentialRow, 'last_used_at'>): Promise<void>
    recordUse(userId: string, id: string, counter: number, at: string): Promise<void>
    removeCredential(userId: string, id: string): Promise<boolean>
    addChallenge(row: Omit<ChallengeRow, 'used_ms'>): Promise<void>
    challenge(value: string): Promise<ChallengeRow | undefined>
    useChallenge(value: string, nowMs: number): Promise<boolean>
    addRecoveryCodes(userId: string, hashes: readonly string[]): Promise<void>
    hasRecoveryCodes(userId: string): Promise<boolean>
    spendRecoveryCode(userId: string, hash: string, nowMs: number): Promise<boolean>
    recoveryCodesLeft(userId: string): Promise<number>
    grantRecovery(userId: string, expiresMs: number): Promise<void>
    takeRecoveryGrant(userId: string, nowMs: number): Promise<boolean>
  }
}

/** What the signer holds: transactions over the sealed `Tx`. */
export type Store = {
  readonly kind: StoreKind
  transaction<T>(userId: string, fn: (tx: Tx) => Promise<T>): Promise<T>
  prune(nowMs: number): Promise<void>
  close(): Promise<void>
}
