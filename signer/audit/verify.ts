/**
 * Walks the whole audit chain and reports the first entry whose link or hash does not hold.
 * Pure over an iterable of rows (tests feed it tampered data directly), or over pages read from a store.
 */
import type { AuditRow } from '../store/types.ts'
import { entryHash, GENESIS_HASH } from './chain.ts'

export type VerifyResult =
  | { readonly ok: true; readonly entries: number; readonly head: string }
  | { readonly ok: false; readonly entries: number; readonly brokenSeq: number; readonly reason: string }

type Walk = { prevHash: string; expectedSeq: number; entries: number }

/** One row: undefined when it holds (and `walk` moves on), the failure otherwise. */
function step(walk: Walk, row: AuditRow): VerifyResult | undefined {
  const { entries } = walk
  if (row.seq !== walk.expectedSeq) {
    return {
      ok: false,
      entries,
      brokenSeq: row.seq,
      reason: `expected entry ${walk.expectedSeq}, found ${row.seq} (deleted row?)`,
    }
  }
  if (row.prev_hash !== walk.prevHash) {
    return { ok: false, entries, brokenSeq: row.seq, reason: 'prev_hash does not match the previous entry' }
  }
  if (entryHash(walk.prevHash, row.seq, row) !== row.hash) {
    return { ok: false, entries, brokenSeq: row.seq, reason: 'hash does not match the entry (edited row?)' }
  }
  walk.prevHash = row.hash
  walk.expectedSeq++
  walk.entries++
  return undefined
}

const start = (): Walk => ({ prevHash: GENESIS_HASH, expectedSeq: 1, entries: 0 })

export function verifyChain(rows: Iterable<AuditRow>): VerifyResult {
  const walk = start()
  for (const row of rows) {
    const broken = step(walk, row)
    if (broken) return broken
  }
  return { ok: true, entries: walk.entries, head: walk.prevHash }
}

/** The same walk over pages in seq order (`page(afterSeq)`: the next rows after it; empty at the end). */
export async function verifyPages(
  page: (afterSeq: number) => Promise<readonly AuditRow[]>,
): Promise<VerifyResult> {
  const walk = start()
  let after = 0
  for (;;) {
    const rows = await page(after)
    if (rows.length === 0) return { ok: true, entries: walk.entries, head: walk.prevHash }
    for (const row of rows) {
      const broken = step(walk, row)
      if (broken) return broken
      after = row.seq
    }
  }
}
