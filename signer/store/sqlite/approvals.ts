/**
 * Approvals and per-user policies over SQLite. Every query is scoped by user id; another user's approval
 * answers exactly like a missing one. A transition writes the new row only while the stored status is still
 * the one the caller read: "single use" is a property of the row, not of the caller's care.
 */
import type { ApprovalRow, RawTx, Stored, UserPolicyRow } from '../types.ts'
import type { Db } from './db.ts'

type Row = Stored<ApprovalRow>

export function approvalRows(db: Db): RawTx['approvals'] {
  const insert = db.prepare(
    `INSERT INTO approvals (id, user_id, account_id, tx_hash, xdr, amounts, reason, preview, status,
                            counts_daily, created_ms, expires_ms, decided_ms, used_ms, mac)
     VALUES (@id, @user_id, @account_id, @tx_hash, @xdr, @amounts, @reason, @preview, @status,
             @counts_daily, @created_ms, @expires_ms, @decided_ms, @used_ms, @mac)`,
  )
  const get = db.prepare<[string, string], Row>('SELECT * FROM approvals WHERE id = ? AND user_id = ?')
  const pendingFor = db.prepare<[string, string, string, number], Row>(
    `SELECT * FROM approvals WHERE user_id = ? AND account_id = ? AND tx_hash = ? AND status = 'pending'
       AND expires_ms > ? ORDER BY created_ms DESC LIMIT 1`,
  )
  const pendingCount = db.prepare<[string, number], { n: number }>(
    "SELECT COUNT(*) AS n FROM approvals WHERE user_id = ? AND status = 'pending' AND expires_ms > ?",
  )
  const list = db.prepare<[string, number], Row>(
    'SELECT * FROM approvals WHERE user_id = ? ORDER BY created_ms DESC, id LIMIT ?',
  )
  const transition = db.prepare(
    `UPDATE approvals SET account_id = @account_id, tx_hash = @tx_hash, xdr = @xdr, amounts = @amounts,
            reason = @reason, preview = @preview, status = @status, counts_daily = @counts_daily,
            created_ms = @created_ms, expires_ms = @expires_ms, decided_ms = @decided_ms,
            used_ms = @used_ms, mac = @mac
      WHERE id = @whereId AND user_id = @whereUser AND status = @from`,
  )
  return {
    async insert(row) {
      insert.run(row)
    },
    get: async (userId, id) => get.get(id, userId),
    pendingFor: async (userId, accountId, txHash, nowMs) => pendingFor.get(userId, accountId, txHash, nowMs),
    pendingCount: async (userId, nowMs) => pendingCount.get(userId, nowMs)?.n ?? 0,
    list: async (userId, limit) => list.all(userId, limit),
    transition: async (userId, id, from, to) =>
      transition.run({ ...to, whereId: id, whereUser: userId, from }).changes === 1,
  }
}

export function userPolicyRows(db: Db): RawTx['userPolicies'] {
  const get = db.prepare<[string], Stored<UserPolicyRow>>('SELECT * FROM user_policies WHERE user_id = ?')
  const put = db.prepare(
    `INSERT INTO user_policies (user_id, policy, updated_at, mac) VALUES (@user_id, @policy, @updated_at, @mac)
     ON CONFLICT (user_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at,
                                         mac = excluded.mac`,
  )
  return {
    get: async (userId) => get.get(userId),
    async put(row) {
      put.run(row)
    },
  }
}
