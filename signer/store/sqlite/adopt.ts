/**
 * Adopting a database made before row MACs (migration 5): every row then has `mac` NULL, ledger lines have
 * no `cum` and no user has a ledger head. Run once, inside migration 5's own transaction, so it can never
 * run again on a database the sealed store has written: a NULL MAC found later is a tampered row, not a
 * legacy one. Trust on first use: the rows adopted are whatever the CVM's own encrypted disk held at the
 * upgrade (docs/threat-model.md › The signer's database).
 *
 * Per user without a head, in line order (rowid): each line's cum = the user's counted total of its key up
 * to and including it (ledger.ts's rule), then a head with the totals and the line count; users with
 * accounts and no lines get a zero head. Then every other row of a MAC'd table gets its MAC. The MAC logic
 * is row-tables.ts's, the same the sealed store checks with.
 *
 * Expects migration 5's schema: a `mac TEXT` column on each table of row-tables.ts (same names), `cum
 * INTEGER` on `spending`, and `spending_heads (user_id TEXT PRIMARY KEY, totals TEXT, lines INTEGER, mac
 * TEXT)` where `totals` is the JSON object of decimal strings.
 */
import type Database from 'better-sqlite3'
import { nextCum } from '../ledger.ts'
import type { RowKeys } from '../row-mac.ts'
import { SPENDING_HEADS, SPENDING_LINES, sealRow } from '../row-tables.ts'
import type { SpendingLineRow } from '../types.ts'
import { fromSqlite, ROW_TABLES } from './mac-rows.ts'

export type AdoptedCounts = Readonly<Record<string, number>>
export type AdoptLog = { info(obj: object, msg: string): void }

function adoptLedger(db: Database.Database, keys: RowKeys): { lines: number; heads: number } {
  const headless = db
    .prepare<[], { user_id: string }>(
      `SELECT user_id FROM (SELECT user_id FROM accounts UNION SELECT user_id FROM spending)
        WHERE user_id NOT IN (SELECT user_id FROM spending_heads) ORDER BY user_id`,
    )
    .all()
  const linesOf = db
    .prepare<[string], Record<string, unknown>>('SELECT * FROM spending WHERE user_id = ? ORDER BY rowid')
    .safeIntegers(true)
  const setLine = db.prepare<[bigint, string, string]>(
    'UPDATE spending SET cum = ?, mac = ? WHERE request_id = ?',
  )
  const putHead = db.prepare<[string, string, number, string]>(
    'INSERT INTO spending_heads (user_id, totals, lines, mac) VALUES (?, ?, ?, ?)',
  )
  let lines = 0
  for (const { user_id } of headless) {
    const totals: Record<string, string> = {}
    const rows = linesOf.all(user_id)
    for (const raw of rows) {
      // A user without a head has only lines from before migration 5; a MAC'd one here is not ours.
      if (raw.mac !== null) throw new Error('spending line of a user without a head already has a MAC')
      const line = fromSqlite(SPENDING_LINES.columns, { ...raw, cum: 0n }) as SpendingLineRow
      const cum = nextCum(totals, line.asset, line.stroops, line.counts)
      totals[line.asset] = cum.toString()
      const sealed = sealRow(keys, SPENDING_LINES, { ...line, cum })
      setLine.run(cum, sealed.mac, line.request_id)
    }
    lines += rows.length
    const head = sealRow(keys, SPENDING_HEADS, { user_id, totals, lines: rows.length })
    putHead.run(user_id, JSON.stringify(head.totals), head.lines, head.mac)
  }
  return { lines, heads: headless.length }
}

/**
 * MACs every legacy row (mac NULL) and builds the ledger's cum and heads; one transaction (a savepoint
 * when called inside migration 5's). Returns how many rows of each table it adopted, and logs it.
 */
export function adoptLegacyRows(db: Database.Database, keys: RowKeys, log?: AdoptLog): AdoptedCounts {
  const counts = db.transaction((): Record<string, number> => {
    const ledger = adoptLedger(db, keys)
    const out: Record<string, number> = {
      [SPENDING_LINES.name]: ledger.lines,
      [SPENDING_HEADS.name]: ledger.heads,
    }
    for (const [table, pk] of ROW_TABLES) {
      const rows = db
        .prepare<[], Record<string, unknown>>(`SELECT * FROM ${table.name} WHERE mac IS NULL`)
        .safeIntegers(true)
        .all()
      const where = pk.map((c) => `${c} = ?`).join(' AND ')
      const set = db.prepare(`UPDATE ${table.name} SET mac = ? WHERE ${where}`)
      for (const raw of rows) {
        const sealed = sealRow(keys, table, fromSqlite(table.columns, raw))
        set.run(sealed.mac, ...pk.map((c) => raw[c]))
      }
      out[table.name] = rows.length
    }
    return out
  })()
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  log?.info(
    { adopted: counts, total },
    'store: MACed the rows of a database from before row MACs (first use)',
  )
  return counts
}
