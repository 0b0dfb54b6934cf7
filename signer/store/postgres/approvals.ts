/**
 * Approvals and per-user policies on PostgreSQL. An approval's transitions are conditional on its current
 * status (WHERE status = from): "used at most once" is a property of the row, on every replica.
 */
import { APPROVAL_STATUSES, type ApprovalRow, type RawTx, type Stored, type UserPolicyRow } from '../types.ts'
import { type Cells, int, intOrNull, oneOf, text, textOrNull } from './cells.ts'
import { all, changed, first, type Query } from './query.ts'

const APPROVAL =
  'id, user_id, account_id, tx_hash, xdr, amounts, reason, preview, status, counts_daily, created_ms, ' +
  'expires_ms, decided_ms, used_ms, mac'

const approval = (r: Cells): Stored<ApprovalRow> => ({
  id: text(r, 'approvals', 'id'),
  user_id: text(r, 'approvals', 'user_id'),
  account_id: text(r, 'approvals', 'account_id'),
  tx_hash: text(r, 'approvals', 'tx_hash'),
  xdr: text(r, 'approvals', 'xdr'),
  amounts: text(r, 'approvals', 'amounts'),
  reason: text(r, 'approvals', 'reason'),
  preview: textOrNull(r, 'approvals', 'preview'),
  status: oneOf(r, 'approvals', 'status', APPROVAL_STATUSES),
  counts_daily: int(r, 'approvals', 'counts_daily'),
  created_ms: int(r, 'approvals', 'created_ms'),
  expires_ms: int(r, 'approvals', 'expires_ms'),
  decided_ms: intOrNull(r, 'approvals', 'decided_ms'),
  used_ms: intOrNull(r, 'approvals', 'used_ms'),
  mac: text(r, 'approvals', 'mac'),
})

const values = (a: Stored<ApprovalRow>) => [
  a.id,
  a.user_id,
  a.account_id,
  a.tx_hash,
  a.xdr,
  a.amounts,
  a.reason,
  a.preview,
  a.status,
  a.counts_daily,
  a.created_ms,
  a.expires_ms,
  a.decided_ms,
  a.used_ms,
  a.mac,
]

export function approvalsOn(q: Query): RawTx['approvals'] {
  return {
    async insert(row) {
      await q(
        `INSERT INTO approvals (${APPROVAL})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        values(row),
      )
    },
    get: (userId, id) =>
      first(q, `SELECT ${APPROVAL} FROM approvals WHERE id = $1 AND user_id = $2`, [id, userId], approval),
    pendingFor: (userId, accountId, txHash, nowMs) =>
      first(
        q,
        `SELECT ${APPROVAL} FROM approvals WHERE user_id = $1 AND account_id = $2 AND tx_hash = $3
            AND status = 'pending' AND expires_ms > $4 ORDER BY created_ms DESC LIMIT 1`,
        [userId, accountId, txHash, nowMs],
        approval,
      ),
    pendingCount: async (userId, nowMs) =>
      (await first(
        q,
        "SELECT count(*) AS n FROM approvals WHERE user_id = $1 AND status = 'pending' AND expires_ms > $2",
        [userId, nowMs],
        (r) => int(r, 'approvals', 'n'),
      )) ?? 0,
    list: (userId, limit) =>
      all(
        q,
        `SELECT ${APPROVAL} FROM approvals WHERE user_id = $1 ORDER BY created_ms DESC, id LIMIT $2`,
        [userId, limit],
        approval,
      ),
    // The whole row is rewritten (status, decided/used times, MAC), but only while it is still in `from`.
    transition: (userId, id, from, to) =>
      changed(
        q,
        `UPDATE approvals SET status = $1, decided_ms = $2, used_ms = $3, mac = $4
          WHERE id = $5 AND user_id = $6 AND status = $7`,
        [to.status, to.decided_ms, to.used_ms, to.mac, id, userId, from],
      ),
  }
}

const policy = (r: Cells): Stored<UserPolicyRow> => ({
  user_id: text(r, 'user_policies', 'user_id'),
  policy: text(r, 'user_policies', 'policy'),
  updated_at: text(r, 'user_policies', 'updated_at'),
  mac: text(r, 'user_policies', 'mac'),
})

export function userPoliciesOn(q: Query): RawTx['userPolicies'] {
  return {
    get: (userId) =>
      first(
        q,
        'SELECT user_id, policy, updated_at, mac FROM user_policies WHERE user_id = $1',
        [userId],
        policy,
      ),
    async put(row) {
      await q(
        `INSERT INTO user_policies (user_id, policy, updated_at, mac) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE
           SET policy = excluded.policy, updated_at = excluded.updated_at, mac = excluded.mac`,
        [row.user_id, row.policy, row.updated_at, row.mac],
      )
    },
  }
}
