/**
 * After a master-key rotation, on PostgreSQL: every row whose MAC is under an older key is checked under
 * that key and MAC'd again under the sealing key, so the old key can be dropped without older rows turning
 * into "tampered" refusals. The PostgreSQL twin of sqlite/reseal.ts, for the rotation CLI after it has moved
 * the account ciphertexts. Threats this stops:
 * - laundering: a row edited in the database (a ledger line set to zero, a planted passkey) fails its check
 *   under the old key and is NOT re-MAC'd; it is reported (table and key, never a value) and left as it is,
 *   so it stays a refusal, and the CLI exits non-zero;
 * - a lost or doubled write beside live replicas (which hold both keys during a rotation and write under the
 *   new one): each write is compare-and-swap on the old MAC, so a row a replica rewrote or deleted meanwhile
 *   is left to that replica's write.
 * Batched by primary key (keyset cursor, so a reported row is passed, not read again forever); each batch is
 * one READ COMMITTED transaction, so a crash loses at most the batch, and a second run resumes with the rows
 * still under an older key.
 */
import pg from 'pg'
import { checkRow, macRow, type RowKeys } from '../row-mac.ts'
import { fromSqlite, MAC_TABLES } from '../sqlite/mac-rows.ts'
import { parseBigint } from './cells.ts'

export type ResealReport = {
  /** Rows MAC'd again under the sealing key, per table. */
  readonly resealed: Readonly<Record<string, number>>
  /** `<table>/<key>` of every row that failed its check under its own key: left untouched. */
  readonly tampered: readonly string[]
}

const NUMERIC_OID = 1700

export async function resealPostgres(url: string, keys: RowKeys, batch = 500): Promise<ResealReport> {
  // The engine's parsers (int8 and numeric as bigint): the cells then have the types fromSqlite expects
  // (integers as bigint, text, booleans, the head's totals as JSON text), so one conversion serves both.
  const types = new pg.TypeOverrides()
  types.setTypeParser(pg.types.builtins.INT8, parseBigint)
  types.setTypeParser(NUMERIC_OID, parseBigint)
  const client = new pg.Client({ connectionString: url, types, application_name: 'tuxedo-rotate-key' })
  await client.connect()
  const prefix = `${keys.sealingId}.`
  const resealed: Record<string, number> = {}
  const tampered: string[] = []
  try {
    for (const [table, pk] of MAC_TABLES) {
      const cols = pk.join(', ')
      const after = pk.map((_, i) => `$${i + 3}`).join(', ')
      const match = pk.map((c, i) => `${c} = $${i + 2}`).join(' AND ')
      let cursor: unknown[] | undefined
      let n = 0
      for (;;) {
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED')
        let rows: Record<string, unknown>[]
        try {
          const page = await client.query<Record<string, unknown>>(
            `SELECT * FROM ${table.name}
              WHERE left(mac, length($1)) <> $1 ${cursor ? `AND (${cols}) > (${after})` : ''}
              ORDER BY ${cols} LIMIT $2`,
            [prefix, batch, ...(cursor ?? [])],
          )
          rows = page.rows
          for (const raw of rows) {
            const row = fromSqlite(table.columns, raw)
            if (!checkRow(keys, table.name, table.columns, row, raw.mac)) {
              tampered.push(`${table.name}/${safeKey(() => table.keyOf(row))}`)
              continue
            }
            const swapped = await client.query(
              `UPDATE ${table.name} SET mac = $1 WHERE ${match} AND mac = $${pk.length + 2}`,
              [macRow(keys, table.name, table.columns, row), ...pk.map((c) => raw[c]), raw.mac],
            )
            n += swapped.rowCount ?? 0
          }
          await client.query('COMMIT')
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined)
          throw err
        }
        const last = rows[rows.length - 1]
        if (last === undefined || rows.length < batch) break
        cursor = pk.map((c) => last[c])
      }
      resealed[table.name] = n
    }
  } finally {
    await client.end()
  }
  return { resealed, tampered }
}

function safeKey(keyOf: () => string): string {
  try {
    return keyOf()
  } catch {
    return '?'
  }
}
