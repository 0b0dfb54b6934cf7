/**
 * Users and their passkeys in D1. Every passkey query that a caller can steer is scoped by user id, so
 * another user's credential id behaves exactly like a missing one.
 */
import type { PasskeyView } from '../../shared/schemas/auth.ts'
import { base64url, fromBase64url, hmacSha256 } from '../lib/crypto.ts'

export type User = { readonly id: string; readonly email: string }

export type StoredPasskey = {
  readonly id: string
  readonly userId: string
  readonly publicKey: Uint8Array
  readonly counter: number
  readonly transports: readonly string[]
}

type PasskeyRow = {
  id: string
  user_id: string
  public_key: string
  counter: number
  transports: string
  device_type: 'singleDevice' | 'multiDevice'
  backed_up: number
  name: string
  created_at: number
  last_used_at: number | null
}

/** Transports a browser may hint with; anything else a client sends is dropped before storage. */
const KNOWN_TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'])
export const cleanTransports = (t: readonly string[] | undefined): string[] =>
  [...new Set(t ?? [])].filter((x) => KNOWN_TRANSPORTS.has(x)).sort()

export async function findUserByEmail(db: D1Database, email: string): Promise<User | undefined> {
  return (
    (await db.prepare('SELECT id, email FROM users WHERE email = ?').bind(email).first<User>()) ?? undefined
  )
}

export async function findUser(db: D1Database, id: string): Promise<User | undefined> {
  return (await db.prepare('SELECT id, email FROM users WHERE id = ?').bind(id).first<User>()) ?? undefined
}

const toStored = (r: Pick<PasskeyRow, 'id' | 'user_id' | 'public_key' | 'counter' | 'transports'>) => ({
  id: r.id,
  userId: r.user_id,
  publicKey: fromBase64url(r.public_key),
  counter: r.counter,
  transports: JSON.parse(r.transports) as string[],
})

export async function findPasskey(db: D1Database, credentialId: string): Promise<StoredPasskey | undefined> {
  const r = await db
    .prepare('SELECT id, user_id, public_key, counter, transports FROM passkeys WHERE id = ?')
    .bind(credentialId)
    .first<PasskeyRow>()
  return r ? toStored(r) : undefined
}

export async function credentialsOf(db: D1Database, userId: string): Promise<StoredPasskey[]> {
  const { results } = await db
    .prepare(
      'SELECT id, user_id, public_key, counter, transports FROM passkeys WHERE user_id = ? ORDER BY created_at',
    )
    .bind(userId)
    .all<PasskeyRow>()
  return results.map(toStored)
}

export async function listPasskeys(db: D1Database, userId: string): Promise<PasskeyView[]> {
  const { results } = await db
    .prepare(
      'SELECT id, name, created_at, last_used_at, device_type, backed_up FROM passkeys WHERE user_id = ? ORDER BY created_at',
    )
    .bind(userId)
    .all<PasskeyRow>()
  return results.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    deviceType: r.device_type,
    backedUp: r.backed_up === 1,
  }))
}

export type NewPasskey = {
  readonly id: string
  readonly userId: string
  readonly publicKey: Uint8Array
  readonly counter: number
  readonly transports: readonly string[]
  readonly deviceType: 'singleDevice' | 'multiDevice'
  readonly backedUp: boolean
  readonly name: string
  readonly now: number
}

export function insertPasskey(db: D1Database, p: NewPasskey): D1PreparedStatement {
  return db
    .prepare(
      'INSERT INTO passkeys (id, user_id, public_key, counter, transports, device_type, backed_up, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .bind(
      p.id,
      p.userId,
      base64url(p.publicKey),
      p.counter,
      JSON.stringify(cleanTransports(p.transports)),
      p.deviceType,
      p.backedUp ? 1 : 0,
      p.name,
      p.now,
    )
}

/**
 * Records a successful assertion. The counter only moves forward: a concurrent assertion with a lower
 * counter that raced past the verifier cannot roll it back (cloned-authenticator detection stays sound).
 */
export async function recordUse(db: D1Database, id: string, newCounter: number, now: number): Promise<void> {
  await db
    .prepare('UPDATE passkeys SET counter = MAX(counter, ?), last_used_at = ? WHERE id = ?')
    .bind(newCounter, now, id)
    .run()
}

export type RemoveOutcome = 'removed' | 'not-found' | 'last'

/** Deletes one of the user's passkeys unless it is their last; one statement, so two parallel deletes cannot empty the list. */
/**
 * Removes a passkey (never the last) and, in the same batch, the sessions it signed in: whoever holds the
 * device whose passkey the user revoked loses its session too, not only the ability to sign in again.
 */
export async function removePasskey(db: D1Database, userId: string, id: string): Promise<RemoveOutcome> {
  const removable =
    'EXISTS (SELECT 1 FROM passkeys WHERE id = ? AND user_id = ?) AND (SELECT COUNT(*) FROM passkeys WHERE user_id = ?) > 1'
  const [, r] = await db.batch([
    db
      .prepare(`DELETE FROM sessions WHERE user_id = ? AND passkey_id = ? AND ${removable}`)
      .bind(userId, id, id, userId, userId),
    db
      .prepare(`DELETE FROM passkeys WHERE id = ? AND user_id = ? AND ${removable}`)
      .bind(id, userId, id, userId, userId),
  ])
  if ((r?.meta.changes ?? 0) > 0) return 'removed'
  const mine = await db
    .prepare('SELECT 1 AS one FROM passkeys WHERE id = ? AND user_id = ?')
    .bind(id, userId)
    .first()
  return mine ? 'last' : 'not-found'
}

/** Decoy credentials answer for an unknown email: stable per email, unguessable without the auth secret. */
export async function decoyCredential(authSecret: string, email: string) {
  const mac = await hmacSha256(authSecret, `tuxedo:decoy-credential\n${email}`)
  return { id: base64url(mac), transports: ['hybrid', 'internal'] }
}
