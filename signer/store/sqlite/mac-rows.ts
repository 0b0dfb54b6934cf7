/**
 * The MAC'd tables as SQLite holds them: each table's primary key and the conversion from better-sqlite3's
 * values (safeIntegers: every INTEGER a bigint; booleans 0/1; the head's totals as JSON) to the row types
 * the MAC is computed over. Shared by adoption (adopt.ts) and re-MACing after a key rotation (reseal.ts).
 */
import type { Columns } from '../row-mac.ts'
import {
  ACCOUNTS,
  APPROVALS,
  CHALLENGES,
  CREDENTIALS,
  RECOVERY_CODES,
  RECOVERY_GRANTS,
  REQUESTS,
  SPENDING_HEADS,
  SPENDING_LINES,
  type Table,
  USER_POLICIES,
} from '../row-tables.ts'

/** Every table but the ledger's, with its primary key (user_recovery_codes is WITHOUT ROWID). */
export const ROW_TABLES: readonly (readonly [Table<object>, readonly string[]])[] = [
  [ACCOUNTS, ['id']],
  [REQUESTS, ['request_id']],
  [APPROVALS, ['id']],
  [USER_POLICIES, ['user_id']],
  [CREDENTIALS, ['id']],
  [CHALLENGES, ['challenge']],
  [RECOVERY_CODES, ['user_id', 'code_hash']],
  [RECOVERY_GRANTS, ['user_id']],
]

/** Every MAC'd table. */
export const MAC_TABLES: readonly (readonly [Table<object>, readonly string[]])[] = [
  ...ROW_TABLES,
  [SPENDING_LINES, ['request_id']],
  [SPENDING_HEADS, ['user_id']],
]

/** A row as better-sqlite3 returns it with safeIntegers(true), in the row type's JS types. */
export function fromSqlite(columns: Columns, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, type] of columns) {
    const v = raw[name]
    if ((type === 'int' || type === 'int?') && typeof v === 'bigint') out[name] = Number(v)
    else if (type === 'bool' && typeof v === 'bigint') out[name] = v === 1n
    else if (type === 'totals' && typeof v === 'string') out[name] = parseTotals(v)
    else out[name] = v
  }
  return out
}

/** Malformed JSON reads as null, which no totals column accepts: the row then fails its MAC. */
function parseTotals(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
