/**
 * The spending ledger on PostgreSQL: lines (each with its cumulative `cum`), the per-user head with the
 * counted totals, and report totals per UTC day. Amounts are NUMERIC(39,0) in, bigint out: never a float.
 * The head is written by compare-and-swap on its line count, so a writer that raced another (which the
 * per-user lock already prevents) fails instead of overwriting the other's totals.
 */
import {
  type RawTx,
  type SpendingHeadRow,
  type SpendingLineRow,
  type Stored,
  StoreTamperedError,
} from '../types.ts'
import { big, bool, type Cells, int, text, textOrNull } from './cells.ts'
import { all, changed, first, type Query } from './query.ts'

const LINE =
  'request_id, user_id, account_id, day, asset, stroops, tx_hash, approval_id, at, counts, cum, mac'

const line = (r: Cells): Stored<SpendingLineRow> => ({
  request_id: text(r, 'spending', 'request_id'),
  user_id: text(r, 'spending', 'user_id'),
  account_id: text(r, 'spending', 'account_id'),
  day: text(r, 'spending', 'day'),
  asset: text(r, 'spending', 'asset'),
  stroops: big(r, 'spending', 'stroops'),
  tx_hash: text(r, 'spending', 'tx_hash'),
  approval_id: textOrNull(r, 'spending', 'approval_id'),
  at: text(r, 'spending', 'at'),
  counts: bool(r, 'spending', 'counts'),
  cum: big(r, 'spending', 'cum'),
  mac: text(r, 'spending', 'mac'),
})

/** The stored JSON must be an object of strings; anything else is a planted or corrupted head. */
function totalsOf(r: Cells): Readonly<Record<string, string>> {
  const userId = text(r, 'spending_heads', 'user_id')
  let parsed: unknown
  try {
    parsed = JSON.parse(text(r, 'spending_heads', 'totals'))
  } catch {
    throw new StoreTamperedError('spending_heads', userId)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new StoreTamperedError('spending_heads', userId)
  }
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') throw new StoreTamperedError('spending_heads', userId)
    out[k] = v
  }
  return out
}

const headRow = (r: Cells): Stored<SpendingHeadRow> => ({
  user_id: text(r, 'spending_heads', 'user_id'),
  totals: totalsOf(r),
  lines: int(r, 'spending_heads', 'lines'),
  mac: text(r, 'spending_heads', 'mac'),
})

export function spendingOn(q: Query): RawTx['spending'] {
  return {
    head: (userId) =>
      first(
        q,
        'SELECT user_id, totals, lines, mac FROM spending_heads WHERE user_id = $1',
        [userId],
        headRow,
      ),
    // undefined: the head must not exist yet (the first one); a number: the head must still have that count.
    putHead: (row, expectedLines) =>
      expectedLines === undefined
        ? changed(
            q,
            `INSERT INTO spending_heads (user_id, totals, lines, mac) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id) DO NOTHING`,
            [row.user_id, JSON.stringify(row.totals), row.lines, row.mac],
          )
        : changed(
            q,
            'UPDATE spending_heads SET totals = $1, lines = $2, mac = $3 WHERE user_id = $4 AND lines = $5',
            [JSON.stringify(row.totals), row.lines, row.mac, row.user_id, expectedLines],
          ),
    // As the SQLite engine: "newest" is insertion order (cum accumulates in it). The newest line by `at` is
    // found in one index step; when the line inserted right after it is also at or before the instant (a
    // clock that went back, or `at` edited), that one is the answer, and the sealed layer checks it.
    lastLineAtOrBefore: (userId, asset, atOrBefore) =>
      first(
        q,
        `WITH b AS (SELECT ord FROM spending WHERE user_id = $1 AND asset = $2 AND at <= $3
                      ORDER BY at DESC, ord DESC LIMIT 1),
              n AS (SELECT s.ord, s.at FROM spending s, b WHERE s.user_id = $1 AND s.asset = $2 AND s.ord > b.ord
                      ORDER BY s.ord LIMIT 1)
         SELECT ${LINE} FROM spending
          WHERE ord = COALESCE((SELECT ord FROM n WHERE at <= $3), (SELECT ord FROM b))`,
        [userId, asset, atOrBefore],
        line,
      ),
    linesForHash: (userId, txHash) =>
      all(
        q,
        `SELECT ${LINE} FROM spending WHERE user_id = $1 AND tx_hash = $2 ORDER BY ord`,
        [userId, txHash],
        line,
      ),
    async insertLine(row) {
      await q(`INSERT INTO spending (${LINE}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
        row.request_id,
        row.user_id,
        row.account_id,
        row.day,
        row.asset,
        row.stroops,
        row.tx_hash,
        row.approval_id,
        row.at,
        row.counts,
        row.cum,
        row.mac,
      ])
    },
    async bumpDay(userId, day, asset, stroops) {
      await q(
        `INSERT INTO spending_days (user_id, day, asset, stroops) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, day, asset) DO UPDATE SET stroops = spending_days.stroops + excluded.stroops`,
        [userId, day, asset, stroops],
      )
    },
    linesOf: (userId) =>
      all(q, `SELECT ${LINE} FROM spending WHERE user_id = $1 ORDER BY ord`, [userId], line),
  }
}
