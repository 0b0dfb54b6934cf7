/**
 * The database's operator over PostgreSQL: a `pg` connection of its own that reads and edits rows behind
 * the sealed store's back (store-operator.ts's Operator), as sqlite-operator.ts does over the SQLite file.
 * Values come back in the row types' JS types (stroops and cum bigint, counts boolean, other integers
 * numbers, a head's totals parsed) and without the engine's own `ord` column (not in any row type, and
 * GENERATED ALWAYS), so a row read here can be written back or planted elsewhere as it is.
 */
import pg from 'pg'
import type { Operator, Row } from './store-operator.ts'

const NUMERIC_OID = 1700
const NAME = /^[a-z_]+$/
const ident = (s: string): string => {
  if (!NAME.test(s)) throw new Error(`not an identifier: ${s}`)
  return s
}

function fromSql(raw: Row): Row {
  const out: Row = {}
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'ord') continue
    out[k] = k === 'totals' && typeof v === 'string' ? JSON.parse(v) : v
  }
  return out
}

/** Objects (a head's totals) as JSON text; bigints as decimal text (pg sends parameters as text). */
function toSql(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'object' && v !== null) return JSON.stringify(v)
  return v
}

function clause(where: Row, from: number): { sql: string; args: unknown[] } {
  const keys = Object.keys(where)
  return {
    sql:
      keys.length === 0
        ? ''
        : ` WHERE ${keys.map((k, i) => `${ident(k)} IS NOT DISTINCT FROM $${from + i}`).join(' AND ')}`,
    args: keys.map((k) => toSql(where[k])),
  }
}

export function postgresOperator(url: string): Operator & { close(): Promise<void> } {
  const types = new pg.TypeOverrides()
  // Test values are far below 2^53; stroops and cum (numeric) stay exact as bigint.
  types.setTypeParser(pg.types.builtins.INT8, Number)
  types.setTypeParser(NUMERIC_OID, BigInt)
  const pool = new pg.Pool({ connectionString: url, max: 1, types })
  const q = async (sql: string, args: unknown[]) => pool.query<Row>(sql, args)
  return {
    async rows(table, where = {}) {
      const w = clause(where, 1)
      const order = table === 'spending' ? ' ORDER BY ord' : ''
      return (await q(`SELECT * FROM ${ident(table)}${w.sql}${order}`, w.args)).rows.map(fromSql)
    },
    async update(table, where, set) {
      const cols = Object.keys(set)
      const w = clause(where, cols.length + 1)
      const sets = cols.map((c, i) => `${ident(c)} = $${i + 1}`).join(', ')
      const r = await q(`UPDATE ${ident(table)} SET ${sets}${w.sql}`, [
        ...cols.map((c) => toSql(set[c])),
        ...w.args,
      ])
      return r.rowCount ?? 0
    },
    async remove(table, where) {
      const w = clause(where, 1)
      return (await q(`DELETE FROM ${ident(table)}${w.sql}`, w.args)).rowCount ?? 0
    },
    async insert(table, row) {
      const cols = Object.keys(row)
      await q(
        `INSERT INTO ${ident(table)} (${cols.map(ident).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
        cols.map((c) => toSql(row[c])),
      )
    },
    close: () => pool.end(),
  }
}
