/**
 * The database's operator, for tamper tests: reads and edits rows behind the sealed store's back, by table
 * name (row-tables.ts's names, which are the SQL tables'). One implementation per engine: over the memory
 * stand-in's maps here; over the SQLite file in sqlite-operator.ts; over PostgreSQL in postgres-operator.ts.
 * Asynchronous, as a PostgreSQL client is.
 */
import type { Store } from '../../signer/store/types.ts'
import type { MemoryEngine, MemoryState } from './memory-engine.ts'

export type Row = Record<string, unknown>
export type Operator = {
  rows(table: string, where?: Row): Promise<Row[]>
  update(table: string, where: Row, set: Row): Promise<number>
  remove(table: string, where: Row): Promise<number>
  insert(table: string, row: Row): Promise<void>
}

/** One engine under test: the sealed store over it and its operator. */
export type Harness = { readonly store: Store; readonly op: Operator; close(): Promise<void> }
export type EngineCase = {
  readonly name: string
  /** The schema itself refuses a row without a MAC (PostgreSQL: mac NOT NULL; SQLite keeps legacy rows). */
  readonly macRequired?: boolean
  open(): Promise<Harness>
}

type Collection = { list(): Row[]; put(row: Row): void; del(row: Row): void }

function mapCollection(map: Map<string, unknown>, keyOf: (r: Row) => string): Collection {
  return {
    list: () => [...map.values()] as Row[],
    put: (r) => map.set(keyOf(r), r),
    del: (r) => map.delete(keyOf(r)),
  }
}

function collection(s: MemoryState, table: string): Collection {
  switch (table) {
    case 'accounts':
      return mapCollection(s.accounts, (r) => String(r.id))
    case 'requests':
      return mapCollection(s.requests, (r) => String(r.request_id))
    case 'spending_heads':
      return mapCollection(s.heads, (r) => String(r.user_id))
    case 'approvals':
      return mapCollection(s.approvals, (r) => String(r.id))
    case 'user_policies':
      return mapCollection(s.policies, (r) => String(r.user_id))
    case 'user_credentials':
      return mapCollection(s.credentials, (r) => String(r.id))
    case 'user_challenges':
      return mapCollection(s.challenges, (r) => String(r.challenge))
    case 'user_recovery_codes':
      return mapCollection(s.codes, (r) => `${r.user_id}\0${r.code_hash}`)
    case 'user_recovery_grants':
      return mapCollection(s.grants, (r) => String(r.user_id))
    case 'spending':
      return {
        list: () => s.lines as unknown as Row[],
        put(r) {
          const i = s.lines.findIndex((l) => l.request_id === r.request_id)
          if (i >= 0) s.lines.splice(i, 1, r as never)
          else s.lines.push(r as never)
        },
        del(r) {
          s.lines.splice(
            s.lines.findIndex((l) => l.request_id === r.request_id),
            1,
          )
        },
      }
  }
  throw new Error(`no table ${table}`)
}

const matches = (r: Row, where: Row = {}) => Object.entries(where).every(([k, v]) => r[k] === v)

export function memoryOperator(engine: MemoryEngine): Operator {
  const c = (table: string) => collection(engine.state, table)
  return {
    rows: async (table, where) =>
      c(table)
        .list()
        .filter((r) => matches(r, where)),
    async update(table, where, set) {
      const hit = c(table)
        .list()
        .filter((r) => matches(r, where))
      for (const r of hit) c(table).put({ ...r, ...set })
      return hit.length
    },
    async remove(table, where) {
      const hit = c(table)
        .list()
        .filter((r) => matches(r, where))
      for (const r of hit) c(table).del(r)
      return hit.length
    },
    insert: async (table, row) => void c(table).put(row),
  }
}
