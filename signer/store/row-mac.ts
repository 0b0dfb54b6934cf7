/**
 * Row MACs: what makes the database unable to edit, plant, move or swap a row the signer decides on.
 * Threat this stops: an operator (or anyone with the database file or a PostgreSQL login) who sets a ledger
 * line's stroops to zero, plants a passkey for a victim, sets a used approval back to approved, or copies a
 * row from one user to another. They have the database; they do not have the key.
 *
 *   mac = <keyId>.<base64url HMAC-SHA256(rowKey[keyId], encodeRow(table, row))>
 *
 * The row key is HKDF-SHA256(master key, info = "tuxedo/signer/row-mac/v1"): one per master key id, so in
 * `tdx` it comes from the dstack-KMS key no person holds. Never from SERVER_SALT_SECRET: the operator knows
 * it. Rows are written under the sealing key and checked under the key their MAC names, which must be one
 * the signer holds; an unknown key id is a tampered row, never a fallback.
 * The MAC input names the table and every column (primary key and user id included), each value checked
 * against the column's type and written as JSON: no two different rows (or tables) share an encoding.
 */
import { createHmac, createSecretKey, hkdfSync, type KeyObject, timingSafeEqual } from 'node:crypto'
import type { MasterKey } from '../secrets.ts'
import type { Mac } from './types.ts'

export const ROW_MAC_LABEL = 'tuxedo/signer/row-mac/v1'
const MAC_BYTES = 32
const MAC_TEXT = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/

/** The derived MAC keys, by master key id. KeyObjects: their bytes never show in a log or JSON. */
export type RowKeys = {
  readonly sealingId: string
  readonly keys: ReadonlyMap<string, KeyObject>
}

export function deriveRowKey(master: Uint8Array): KeyObject {
  const bytes = new Uint8Array(hkdfSync('sha256', master, new Uint8Array(0), ROW_MAC_LABEL, MAC_BYTES))
  const key = createSecretKey(bytes)
  bytes.fill(0)
  return key
}

/** From the signer's secrets (`secrets.sealing`, `secrets.keys`): never from the salt. */
export function deriveRowKeys(secrets: {
  readonly sealing: MasterKey
  readonly keys: ReadonlyMap<string, MasterKey>
}): RowKeys {
  const keys = new Map<string, KeyObject>()
  for (const [id, master] of secrets.keys) keys.set(id, deriveRowKey(master.bytes))
  if (!keys.has(secrets.sealing.id)) throw new Error('sealing key missing from the secrets')
  return { sealingId: secrets.sealing.id, keys }
}

/** A column's type: what a value must be before it is encoded (a wrong type is a tampered row). */
export type ColumnType = 'text' | 'text?' | 'int' | 'int?' | 'bigint' | 'bool' | 'totals'
export type Columns = readonly (readonly [name: string, type: ColumnType])[]

const DECIMAL = /^(0|[1-9][0-9]*)$/

type Encoded = string | number | boolean | null | readonly (readonly [string, string])[]

/** Throws TypeError on a value that does not fit its column. */
function encodeValue(type: ColumnType, v: unknown): Encoded {
  switch (type) {
    case 'text':
      if (typeof v === 'string') return v
      break
    case 'text?':
      if (v === null || typeof v === 'string') return v
      break
    case 'int':
      if (Number.isSafeInteger(v)) return v as number
      break
    case 'int?':
      if (v === null || Number.isSafeInteger(v)) return v as number | null
      break
    case 'bigint':
      // A decimal string: JSON has no bigint, and the column's type says how to read it back.
      if (typeof v === 'bigint') return v.toString()
      break
    case 'bool':
      if (typeof v === 'boolean') return v
      break
    case 'totals':
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const entries = Object.entries(v)
        if (entries.every(([, s]) => typeof s === 'string' && DECIMAL.test(s))) {
          // Sorted: the same totals encode the same whatever order the engine's JSON came back in.
          return (entries as [string, string][]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        }
      }
      break
  }
  throw new TypeError(`value does not fit a ${type} column`)
}

/**
 * The canonical MAC input: label, table, then (column name, value) for every column, in schema order. A
 * string, MAC'd as its UTF-8 bytes (JSON escapes lone surrogates, so every input has one encoding).
 */
export function encodeRow(table: string, columns: Columns, row: object): string {
  const values = row as Record<string, unknown>
  const body = columns.map(([name, type]) => [name, encodeValue(type, values[name])])
  return JSON.stringify([ROW_MAC_LABEL, table, body])
}

function hmac(key: KeyObject, input: string): Buffer {
  return createHmac('sha256', key).update(input, 'utf8').digest()
}

/** The MAC of a row, under the sealing key. */
export function macRow(keys: RowKeys, table: string, columns: Columns, row: object): Mac {
  const key = keys.keys.get(keys.sealingId)
  if (!key) throw new Error('sealing key missing from the row keys')
  return `${keys.sealingId}.${hmac(key, encodeRow(table, columns, row)).toString('base64url')}`
}

/**
 * True only when `mac` is well formed, names a key the signer holds, and matches the row. Any other case,
 * including a null or missing MAC and a value of the wrong type, is false (constant time in the tag).
 */
export function checkRow(keys: RowKeys, table: string, columns: Columns, row: object, mac: unknown): boolean {
  if (typeof mac !== 'string') return false
  const m = MAC_TEXT.exec(mac)
  if (!m || m[1] === undefined || m[2] === undefined) return false
  const key = keys.keys.get(m[1])
  if (!key) return false
  const given = Buffer.from(m[2], 'base64url')
  // base64url of 32 bytes is 43 characters, but not every 43 are canonical: compare re-encoded text too.
  if (given.length !== MAC_BYTES || given.toString('base64url') !== m[2]) return false
  let input: string
  try {
    input = encodeRow(table, columns, row)
  } catch {
    return false
  }
  return timingSafeEqual(hmac(key, input), given)
}
