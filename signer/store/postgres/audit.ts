/**
 * The audit chain on PostgreSQL: one linear chain for all users and all replicas. `append` locks the one
 * `audit_head` row (SELECT … FOR UPDATE) until its transaction commits, so two replicas cannot both
 * extend seq n; the table refuses UPDATE and DELETE (schema.ts). Append late in a transaction: the head
 * lock serialises every user's writes from that point to the commit.
 */
import { ERROR_CODES, type ErrorCode } from '../../../shared/errors.ts'
import { GENESIS_HASH } from '../../audit/chain.ts'
import { type AuditHead, type AuditRow, type RawTx, StoreTamperedError } from '../types.ts'
import { type Cells, int, oneOf, text, textOrNull } from './cells.ts'
import { all, first, type Query } from './query.ts'

const COLUMNS =
  'seq, at, request_id, method, user_id, account_id, tx_hash, decision, reason_code, reason, prev_hash, hash'
const DECISIONS = ['allow', 'deny'] as const

const reasonCode = (r: Cells): ErrorCode | null => {
  const v = textOrNull(r, 'audit', 'reason_code')
  return v === null ? null : oneOf(r, 'audit', 'reason_code', ERROR_CODES)
}

const row = (r: Cells): AuditRow => ({
  seq: int(r, 'audit', 'seq'),
  at: text(r, 'audit', 'at'),
  request_id: text(r, 'audit', 'request_id'),
  method: text(r, 'audit', 'method'),
  user_id: text(r, 'audit', 'user_id'),
  account_id: textOrNull(r, 'audit', 'account_id'),
  tx_hash: textOrNull(r, 'audit', 'tx_hash'),
  decision: oneOf(r, 'audit', 'decision', DECISIONS),
  reason_code: reasonCode(r),
  reason: textOrNull(r, 'audit', 'reason'),
  prev_hash: text(r, 'audit', 'prev_hash'),
  hash: text(r, 'audit', 'hash'),
})

/** seq 0 (no hash) is the empty chain. */
const head = (r: Cells): AuditHead | undefined => {
  const seq = int(r, 'audit_head', 'seq')
  return seq === 0 ? undefined : { seq, hash: text(r, 'audit_head', 'hash') }
}

export function auditOn(q: Query): RawTx['audit'] {
  return {
    async append(fields, hashOf) {
      const { rows } = await q('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE')
      const locked = rows[0]
      // The row is created by the migration and no trigger lets it go: missing is tampering.
      if (locked === undefined) throw new StoreTamperedError('audit_head', '1')
      const prev = head(locked)
      const seq = (prev?.seq ?? 0) + 1
      const hash = hashOf(prev, seq)
      await q(`INSERT INTO audit (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
        seq,
        fields.at,
        fields.request_id,
        fields.method,
        fields.user_id,
        fields.account_id,
        fields.tx_hash,
        fields.decision,
        fields.reason_code,
        fields.reason ?? null,
        prev?.hash ?? GENESIS_HASH,
        hash,
      ])
      await q('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [seq, hash])
      return { seq, hash }
    },
    head: async () => {
      const found = await first(q, 'SELECT seq, hash FROM audit_head WHERE id = 1', [], (r) => ({
        h: head(r),
      }))
      if (found === undefined) throw new StoreTamperedError('audit_head', '1')
      return found.h
    },
    listForUser: (userId, beforeSeq, limit) =>
      all(
        q,
        `SELECT ${COLUMNS} FROM audit WHERE user_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
        [userId, beforeSeq, limit],
        row,
      ),
    range: (afterSeq, limit) =>
      all(q, `SELECT ${COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit], row),
  }
}
