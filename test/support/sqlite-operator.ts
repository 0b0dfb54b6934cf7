/**
 * The database's operator over the SQLite file: a second better-sqlite3 connection that reads and edits
 * rows behind the sealed store's back (test/support/store-operator.ts's Operator). Values come back in the
 * row types' JS types (stroops and cum bigint, counts boolean, a head's totals parsed) so a row read here
 * can be written back or planted elsewhere as it is, like the memory stand-in's.
 */
import Database from 'better-sqlite3'
import type { Operator, Row } from './store-operator.ts'

const BIGINT_COLUMNS = new Set(['stroops', 'cum'])

function fromSql(raw: Row): Row {
  const out: Row = {}
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'counts') out[k] = v === 1n
    else if (k === 'totals' && typeof v === 'string') out[k] = JSON.parse(v)
    else if (typeof v === 'bigint' && !BIGINT_COLUMNS.has(k)) out[k] = Number(v)
    else out[k] = v
  }
  return out
}

function toSql(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'object' && v !== null) return JSON.stringify(v)
  return v
}

const NAME = /^[a-z_]+$/
const ident = (s: string): string => {
  if (!NAME.test(s)) throw new Error(`not an identifier: ${s}`)
  return s
}

function clause(where: Row = {}): { sql: string; args: unknown[] } {
  const keys = Object.keys(where)
  return {
    sql: keys.length === 0 ? '' : ` WHERE ${keys.map((k) => `${ident(k)} IS ?`).join(' AND ')}`,
    args: keys.map((k) => toSql(where[k])),
  }
}

export function sqliteOperator(file: string): Operator & { close(): void } {
  const db = new Database(file)
  db.pragma('busy_timeout = 5000')
  return {
    async rows(table, where) {
      const w = clause(where)
      return db
        .prepare(`SELECT * FROM ${ident(table)}${w.sql} ORDER BY rowid`)
        .safeIntegers(true)
        .all(...w.args)
        .map((r) => fromSql(r as Row))
    },
    async update(table, where, set) {
      const w = clause(where)
      const cols = Object.keys(set)
      const sql = `UPDATE ${ident(table)} SET ${cols.map((c) => `${ident(c)} = ?`).join(', ')}${w.sql}`
      return db.prepare(sql).run(...cols.map((c) => toSql(set[c])), ...w.args).changes
    },
    async remove(table, where) {
      const w = clause(where)
      return db.prepare(`DELETE FROM ${ident(table)}${w.sql}`).run(...w.args).changes
    },
    async insert(table, row) {
      const cols = Object.keys(row)
      db.prepare(
        `INSERT INTO ${ident(table)} (${cols.map(ident).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      ).run(...cols.map((c) => toSql(row[c])))
    },
    close: () => db.close(),
  }
}
