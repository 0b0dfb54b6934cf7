/**
 * The audit log: append-only, each entry hash-chained to the one before it.
 *   hash = SHA-256(prev_hash || "\n" || JSON([seq, at, request_id, method, user_id, account_id, tx_hash,
 *                                              decision, reason_code]))
 * and, for an entry that carries a refusal's `reason` (its message, never a secret), with that reason as a
 * tenth element: entries without one hash exactly as before, so older chains still verify.
 * Editing any field, deleting or reordering a row breaks the chain at that row. Never holds a secret.
 */
import { createHash } from 'node:crypto'
import type { ErrorCode } from '../../shared/errors.ts'
import type { Db } from '../keystore/db.ts'
import type { AuditHead } from '../store/types.ts'

export const GENESIS_HASH = '0'.repeat(64)

export type AuditFields = {
  readonly at: string
  readonly request_id: string
  readonly method: string
  readonly user_id: string
  readonly account_id: string | null
  readonly tx_hash: string | null
  readonly decision: 'allow' | 'deny'
  readonly reason_code: ErrorCode | null
  /** The refusal's message (what the caller was told); null or absent for successes. */
  readonly reason?: string | null
}

export type AuditRow = AuditFields & {
  readonly seq: number
  readonly prev_hash: string
  readonly hash: string
}

export function entryHash(prevHash: string, seq: number, f: AuditFields): string {
  const canonical = JSON.stringify([
    seq,
    f.at,
    f.request_id,
    f.method,
    f.user_id,
    f.account_id,
    f.tx_hash,
    f.decision,
    f.reason_code,
    ...(f.reason === undefined || f.reason === null ? [] : [f.reason]),
  ])
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex')
}

export type AuditLog = ReturnType<typeof createAuditLog>

export function createAuditLog(db: Db) {
  const last = db.prepare<[], { seq: number; hash: string }>(
    'SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1',
  )
  const insert = db.prepare(
    `INSERT INTO audit (seq, at, request_id, method, user_id, account_id, tx_hash, decision, reason_code,
                        reason, prev_hash, hash)
     VALUES (@seq, @at, @request_id, @method, @user_id, @account_id, @tx_hash, @decision, @reason_code,
             @reason, @prev_hash, @hash)`,
  )
  const forUser = db.prepare<[string, number, number], AuditRow>(
    'SELECT * FROM audit WHERE user_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
  )
  return {
    /**
     * Call inside the caller's transaction so the entry commits with the work it records. Returns the new
     * head, which the response carries signed (the edge refuses a head that goes back: a rolled-back file).
     */
    append(fields: AuditFields): AuditHead {
      const head = last.get()
      const seq = (head?.seq ?? 0) + 1
      const prevHash = head?.hash ?? GENESIS_HASH
      const row = { ...fields, reason: fields.reason ?? null }
      const hash = entryHash(prevHash, seq, row)
      insert.run({ ...row, seq, prev_hash: prevHash, hash })
      return { seq, hash }
    },
    /** The newest entry (a replayed response carries the head as it is now, not as it was). */
    head: (): AuditHead | undefined => last.get(),
    listForUser: (userId: string, before: number, limit: number): AuditRow[] =>
      forUser.all(userId, before, limit),
  }
}
