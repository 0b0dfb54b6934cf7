/**
 * The one way the engine's table code reaches PostgreSQL: parameterised text only (no string-built SQL:
 * every value is a $n parameter), rows as untyped cells for cells.ts to read. A statement that fails
 * inside a transaction poisons it (PostgreSQL aborts the transaction; a COMMIT would silently roll back):
 * the first failure is kept and transaction() refuses to commit after it even if `fn` swallowed it.
 */
import type { PoolClient } from 'pg'
import type { Cells } from './cells.ts'

export type QueryResultRows = { readonly rows: readonly Cells[]; readonly rowCount: number }
export type Query = (sql: string, values?: readonly unknown[]) => Promise<QueryResultRows>

export type TxState = { failed: { readonly error: unknown } | undefined }

export function queryOn(client: PoolClient, state: TxState): Query {
  return async (sql, values = []) => {
    if (state.failed) throw state.failed.error
    try {
      const r = await client.query<Record<string, unknown>>(sql, [...values])
      return { rows: r.rows, rowCount: r.rowCount ?? 0 }
    } catch (error) {
      state.failed = { error }
      throw error
    }
  }
}

/** First row or undefined. */
export async function first<T>(q: Query, sql: string, values: readonly unknown[], map: (r: Cells) => T) {
  const { rows } = await q(sql, values)
  const row = rows[0]
  return row === undefined ? undefined : map(row)
}

export async function all<T>(q: Query, sql: string, values: readonly unknown[], map: (r: Cells) => T) {
  const { rows } = await q(sql, values)
  return rows.map(map)
}

export async function changed(q: Query, sql: string, values: readonly unknown[]): Promise<boolean> {
  return (await q(sql, values)).rowCount === 1
}
