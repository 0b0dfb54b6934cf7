/**
 * Approvals: a human's consent to one exact transaction, bound to its hash. Created by tx.sign when an
 * amount is above the approval threshold; approved or rejected by the user (the edge has verified a passkey
 * assertion over the hash first); consumed by the one tx.sign that carries its id and the same hash.
 * Every query is scoped by user id; another user's approval answers exactly like a missing one.
 */
import type { Db } from '../keystore/db.ts'

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
  /** JSON SignerPreview built from `xdr` when the approval was opened; null only for rows made before it. */
  readonly preview: string | null
  readonly status: ApprovalStatus
  readonly counts_daily: number
  readonly created_ms: number
  readonly expires_ms: number
  readonly decided_ms: number | null
  readonly used_ms: number | null
}

export type ApprovalStore = ReturnType<typeof createApprovalStore>

export function createApprovalStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO approvals (id, user_id, account_id, tx_hash, xdr, amounts, reason, preview, status,
                            counts_daily, created_ms, expires_ms, decided_ms, used_ms)
     VALUES (@id, @user_id, @account_id, @tx_hash, @xdr, @amounts, @reason, @preview, @status,
             @counts_daily, @created_ms, @expires_ms, @decided_ms, @used_ms)`,
  )
  const get = db.prepare<[string, string], ApprovalRow>(
    'SELECT * FROM approvals WHERE id = ? AND user_id = ?',
  )
  const pendingFor = db.prepare<[string, string, string, number], ApprovalRow>(
    `SELECT * FROM approvals WHERE user_id = ? AND account_id = ? AND tx_hash = ? AND status = 'pending'
       AND expires_ms > ? ORDER BY created_ms DESC LIMIT 1`,
  )
  const pendingCount = db.prepare<[string, number], { n: number }>(
    "SELECT COUNT(*) AS n FROM approvals WHERE user_id = ? AND status = 'pending' AND expires_ms > ?",
  )
  const list = db.prepare<[string, number], ApprovalRow>(
    'SELECT * FROM approvals WHERE user_id = ? ORDER BY created_ms DESC, id LIMIT ?',
  )
  const decide = db.prepare<[ApprovalStatus, number, string, string, ApprovalStatus]>(
    'UPDATE approvals SET status = ?, decided_ms = ? WHERE id = ? AND user_id = ? AND status = ?',
  )
  // The status guard makes "single use" a property of the row, not of the caller's care.
  const use = db.prepare<[number, string, string]>(
    "UPDATE approvals SET status = 'used', used_ms = ? WHERE id = ? AND user_id = ? AND status = 'approved'",
  )
  return {
    insert: (row: ApprovalRow): void => {
      insert.run(row)
    },
    get: (userId: string, id: string): ApprovalRow | undefined => get.get(id, userId),
    pendingFor: (userId: string, accountId: string, txHash: string, nowMs: number): ApprovalRow | undefined =>
      pendingFor.get(userId, accountId, txHash, nowMs),
    /** Approvals still waiting for a decision (pending and unexpired): what the quota counts. */
    pendingCount: (userId: string, nowMs: number): number => pendingCount.get(userId, nowMs)?.n ?? 0,
    list: (userId: string, limit: number): ApprovalRow[] => list.all(userId, limit),
    /** Moves from `from` to `to`; false when the row was not in `from` (raced, or already decided). */
    decide: (userId: string, id: string, from: ApprovalStatus, to: ApprovalStatus, nowMs: number): boolean =>
      decide.run(to, nowMs, id, userId, from).changes === 1,
    use: (userId: string, id: string, nowMs: number): boolean => use.run(nowMs, id, userId).changes === 1,
  }
}
