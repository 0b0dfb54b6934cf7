/**
 * The audit chain over SQLite: append-only (triggers refuse UPDATE and DELETE), each entry hash-chained to
 * the one before it. The hash itself is audit/chain.ts's (the caller's `hashOf`), unchanged, so chains made
 * before the store interface still verify. SQLite has one writer, so the head read here cannot move before
 * the insert commits: one linear chain.
 */
import { GENESIS_HASH } from '../../audit/chain.ts'
import type { AuditHead, AuditRow, RawTx } from '../types.ts'
import type { Db } from './db.ts'

export function auditRows(db: Db): RawTx['audit'] {
  const last = db.prepare<[], AuditHead>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')
  const insert = db.prepare(
    `INSERT INTO audit (seq, at, request_id, method, user_id, account_id, tx_hash, decision, reason_code,
                        reason, prev_hash, hash)
     VALUES (@seq, @at, @request_id, @method, @user_id, @account_id, @tx_hash, @decision, @reason_code,
             @reason, @prev_hash, @hash)`,
  )
  const forUser = db.prepare<[string, number, number], AuditRow>(
    'SELECT * FROM audit WHERE user_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
  )
  const range = db.prepare<[number, number], AuditRow>(
    'SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?',
  )
  return {
    async append(fields, hashOf) {
      const head = last.get()
      const seq = (head?.seq ?? 0) + 1
      const hash = hashOf(head, seq)
      insert.run({
        ...fields,
        reason: fields.reason ?? null,
        seq,
        prev_hash: head?.hash ?? GENESIS_HASH,
        hash,
      })
      return { seq, hash }
    },
    head: async () => last.get(),
    listForUser: async (userId, beforeSeq, limit) => forUser.all(userId, beforeSeq, limit),
    range: async (afterSeq, limit) => range.all(afterSeq, limit),
  }
}
