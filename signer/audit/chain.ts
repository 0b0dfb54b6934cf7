/**
 * The audit log's hash chain: append-only, each entry hash-chained to the one before it.
 *   hash = SHA-256(prev_hash || "\n" || JSON([seq, at, request_id, method, user_id, account_id, tx_hash,
 *                                              decision, reason_code]))
 * and, for an entry that carries a refusal's `reason` (its message, never a secret), with that reason as a
 * tenth element: entries without one hash exactly as before, so older chains still verify.
 * Editing any field, deleting or reordering a row breaks the chain at that row. Never holds a secret.
 * The rows live in the store (signer/store/*: `audit.append` takes this hash as its callback).
 */
import { createHash } from 'node:crypto'
import type { AuditFields } from '../store/types.ts'

export const GENESIS_HASH = '0'.repeat(64)

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
