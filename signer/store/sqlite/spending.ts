/**
 * The spending ledger over SQLite: one line per (request, ledger key) with its cumulative total `cum`, the
 * per-user head, and per-UTC-day report totals. Amounts are bigint stroops (safeIntegers), never floats.
 * Every query takes the user id. The arithmetic and the MACs are sealed.ts's and ledger.ts's, not here.
 */
import type { RawTx, SpendingHeadRow, SpendingLineRow, Stored } from '../types.ts'
import type { Db } from './db.ts'

/** A spending row as better-sqlite3 returns it with safeIntegers: every INTEGER is a bigint. */
type SqlLine = Omit<Stored<SpendingLineRow>, 'counts'> & { readonly counts: bigint }
type SqlHead = {
  readonly user_id: string
  readonly totals: string
  readonly lines: number
  readonly mac: string
}

const LINE_COLUMNS =
  'request_id, user_id, account_id, day, asset, stroops, tx_hash, approval_id, at, counts, cum, mac'

const line = (r: SqlLine): Stored<SpendingLineRow> => ({ ...r, counts: r.counts === 1n })

const head = (r: SqlHead): Stored<SpendingHeadRow> => ({
  user_id: r.user_id,
  // Parsed, not trusted: the MAC check in sealed.ts types every value.
  totals: JSON.parse(r.totals) as Record<string, string>,
  lines: r.lines,
  mac: r.mac,
})

export function spendingRows(db: Db): RawTx['spending'] {
  const getHead = db.prepare<[string], SqlHead>('SELECT * FROM spending_heads WHERE user_id = ?')
  const insertHead = db.prepare(
    `INSERT INTO spending_heads (user_id, totals, lines, mac) VALUES (@user_id, @totals, @lines, @mac)
     ON CONFLICT (user_id) DO NOTHING`,
  )
  // Conditional on the line count the writer read: a head moved by anyone else meanwhile is not overwritten.
  const updateHead = db.prepare(
    `UPDATE spending_heads SET totals = @totals, lines = @lines, mac = @mac
      WHERE user_id = @user_id AND lines = @expectedLines`,
  )
  // "Newest" is insertion order (cum accumulates in it). The index (user_id, asset, at) finds the newest by
  // `at` in one backward step; the line inserted right after it must then be inside the window. When it is
  // not (`at` edited, or a clock that went back), that line is the answer, and the sealed layer checks it.
  const boundary = db
    .prepare<[string, string, string], SqlLine & { readonly line_rowid: bigint }>(
      `SELECT ${LINE_COLUMNS}, rowid AS line_rowid FROM spending WHERE user_id = ? AND asset = ? AND at <= ?
        ORDER BY at DESC, rowid DESC LIMIT 1`,
    )
    .safeIntegers(true)
  const insertedAfter = db
    .prepare<[string, string, bigint], SqlLine>(
      `SELECT ${LINE_COLUMNS} FROM spending WHERE user_id = ? AND asset = ? AND rowid > ?
        ORDER BY rowid LIMIT 1`,
    )
    .safeIntegers(true)
  const forHash = db
    .prepare<[string, string], SqlLine>(
      // Index order (spending_by_hash): no sort; the caller only asks whether and which.
      `SELECT ${LINE_COLUMNS} FROM spending WHERE user_id = ? AND tx_hash = ?`,
    )
    .safeIntegers(true)
  const insertLine = db.prepare(
    `INSERT INTO spending (${LINE_COLUMNS})
     VALUES (@request_id, @user_id, @account_id, @day, @asset, @stroops, @tx_hash, @approval_id, @at,
             @counts, @cum, @mac)`,
  )
  const bump = db.prepare(
    `INSERT INTO spending_days (user_id, day, asset, stroops) VALUES (@userId, @day, @asset, @stroops)
     ON CONFLICT (user_id, day, asset) DO UPDATE SET stroops = stroops + excluded.stroops`,
  )
  const linesOf = db
    .prepare<[string], SqlLine>(`SELECT ${LINE_COLUMNS} FROM spending WHERE user_id = ? ORDER BY rowid`)
    .safeIntegers(true)
  return {
    async head(userId) {
      const r = getHead.get(userId)
      return r && head(r)
    },
    async putHead(row, expectedLines) {
      const params = {
        user_id: row.user_id,
        totals: JSON.stringify(row.totals),
        lines: row.lines,
        mac: row.mac,
      }
      const changed =
        expectedLines === undefined
          ? insertHead.run(params).changes
          : updateHead.run({ ...params, expectedLines }).changes
      return changed === 1
    },
    async lastLineAtOrBefore(userId, asset, atOrBefore) {
      const found = boundary.get(userId, asset, atOrBefore)
      if (!found) return undefined
      const { line_rowid, ...r } = found
      const next = insertedAfter.get(userId, asset, line_rowid)
      return line(next !== undefined && next.at <= atOrBefore ? next : r)
    },
    linesForHash: async (userId, txHash) => forHash.all(userId, txHash).map(line),
    async insertLine(row) {
      insertLine.run({ ...row, counts: row.counts ? 1 : 0 })
    },
    async bumpDay(userId, day, asset, stroops) {
      bump.run({ userId, day, asset, stroops })
    },
    linesOf: async (userId) => linesOf.all(userId).map(line),
  }
}
