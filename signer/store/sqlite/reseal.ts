/**
 * After a master-key rotation: every row whose MAC is under an older key is checked under that key and
 * MAC'd again under the sealing key, so the old key can be dropped without every older row turning into a
 * "tampered" refusal. For the rotation CLI, after it has moved the account ciphertexts (swapCiphertext
 * re-MACs those already). A row that fails its MAC is not re-MAC'd (that would launder it): StoreTamperedError.
 * Batches commit one at a time and each write is compare-and-swap on the old MAC, so it runs beside a live
 * signer (which writes under the sealing key anyway) and resumes after a crash.
 */
import type Database from 'better-sqlite3'
import { checkRow, macRow, type RowKeys } from '../row-mac.ts'
import { StoreTamperedError } from '../types.ts'
import { fromSqlite, MAC_TABLES } from './mac-rows.ts'

export function resealRows(
  db: Database.Database,
  keys: RowKeys,
  batch = 500,
): Readonly<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const [table, pk] of MAC_TABLES) {
    const select = db
      .prepare<[{ prefix: string; batch: number }], Record<string, unknown>>(
        `SELECT * FROM ${table.name}
          WHERE mac IS NOT NULL AND substr(mac, 1, length(@prefix)) <> @prefix LIMIT @batch`,
      )
      .safeIntegers(true)
    const update = db.prepare(
      `UPDATE ${table.name} SET mac = ? WHERE ${pk.map((c) => `${c} = ?`).join(' AND ')} AND mac = ?`,
    )
    let n = 0
    for (;;) {
      const done = db
        .transaction((): number => {
          const rows = select.all({ prefix: `${keys.sealingId}.`, batch })
          for (const raw of rows) {
            const row = fromSqlite(table.columns, raw)
            if (!checkRow(keys, table.name, table.columns, row, raw.mac)) {
              throw new StoreTamperedError(table.name, table.keyOf(row))
            }
            update.run(macRow(keys, table.name, table.columns, row), ...pk.map((c) => raw[c]), raw.mac)
          }
          return rows.length
        })
        .immediate()
      n += done
      if (done < batch) break
    }
    out[table.name] = n
  }
  return out
}
