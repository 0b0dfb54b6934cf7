/**
 * Walks the whole audit chain and reports the first entry whose link or hash does not hold.
 * Pure over an iterable of rows, so tests can feed it tampered data directly.
 */
import { type AuditRow, entryHash, GENESIS_HASH } from './chain.ts'

export type VerifyResult =
  | { readonly ok: true; readonly entries: number; readonly head: string }
  | { readonly ok: false; readonly entries: number; readonly brokenSeq: number; readonly reason: string }

export function verifyChain(rows: Iterable<AuditRow>): VerifyResult {
  let prevHash = GENESIS_HASH
  let expectedSeq = 1
  let entries = 0
  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      return {
        ok: false,
        entries,
        brokenSeq: row.seq,
        reason: `expected entry ${expectedSeq}, found ${row.seq} (deleted row?)`,
      }
    }
    if (row.prev_hash !== prevHash) {
      return { ok: false, entries, brokenSeq: row.seq, reason: 'prev_hash does not match the previous entry' }
    }
    if (entryHash(prevHash, row.seq, row) !== row.hash) {
      return { ok: false, entries, brokenSeq: row.seq, reason: 'hash does not match the entry (edited row?)' }
    }
    prevHash = row.hash
    expectedSeq++
    entries++
  }
  return { ok: true, entries, head: prevHash }
}
