/**
 * Typed reads of the cells PostgreSQL returns. The engine's pool parses int8 and numeric into bigint
 * (never a float: stroops above 2^53 stay exact); columns the contract types as `number` (milliseconds,
 * counters, sequence numbers) are converted here only when they are safe integers. A cell of the wrong
 * type is a schema drift or a planted row: it throws, never reads as a default.
 */
import { StoreTamperedError } from '../types.ts'

export type Cells = Readonly<Record<string, unknown>>

const bad = (table: string, column: string): never => {
  throw new StoreTamperedError(table, `column ${column}`)
}

export function text(r: Cells, table: string, column: string): string {
  const v = r[column]
  return typeof v === 'string' ? v : bad(table, column)
}

export function textOrNull(r: Cells, table: string, column: string): string | null {
  const v = r[column]
  return v === null ? null : typeof v === 'string' ? v : bad(table, column)
}

export function big(r: Cells, table: string, column: string): bigint {
  const v = r[column]
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  return bad(table, column)
}

export function int(r: Cells, table: string, column: string): number {
  const v = r[column]
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) {
    return Number(v)
  }
  return bad(table, column)
}

export function intOrNull(r: Cells, table: string, column: string): number | null {
  return r[column] === null ? null : int(r, table, column)
}

export function flag(r: Cells, table: string, column: string): 0 | 1 {
  const v = int(r, table, column)
  return v === 0 || v === 1 ? v : bad(table, column)
}

export function bool(r: Cells, table: string, column: string): boolean {
  const v = r[column]
  return typeof v === 'boolean' ? v : bad(table, column)
}

/** A text cell that must be one of `allowed` (CHECK constraints say the same; this is the reader's check). */
export function oneOf<const T extends string>(
  r: Cells,
  table: string,
  column: string,
  allowed: readonly T[],
): T {
  const v = r[column]
  const found = allowed.find((a) => a === v)
  return found ?? bad(table, column)
}

/** Integer parsers for the pool: int8 and numeric to bigint; a numeric with a fraction is refused. */
export function parseBigint(value: string): bigint {
  if (!/^-?\d+$/.test(value)) throw new StoreTamperedError('numeric', 'non-integer value')
  return BigInt(value)
}
