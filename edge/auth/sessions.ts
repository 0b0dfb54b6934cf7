/**
 * Sessions: a 32-byte random token goes to the client once; only its SHA-256 is stored, so a database
 * leak yields no usable session. Seven days absolute, 24 hours idle (sliding). Time is an argument.
 */
import { newId, randomToken, sha256Hex } from '../lib/crypto.ts'

/**
 * The slice of D1 sessions use, written structurally: D1Database satisfies it in the Worker, and Node-side
 * tools (benchmarks, the reliability suite) pass Miniflare's D1 without pulling in the Workers types.
 */
type Statement = {
  bind(...values: unknown[]): Statement
  first<T = Record<string, unknown>>(): Promise<T | null>
  run(): Promise<{ meta: { changes?: number } }>
}
export type SessionDb = { prepare(query: string): Statement }

export const SESSION_ABSOLUTE_MS = 7 * 24 * 3_600_000
export const SESSION_IDLE_MS = 24 * 3_600_000
/** Sliding the idle window costs a write; skip it when the last one is this recent. */
const TOUCH_EVERY_MS = 60_000
export const SESSION_COOKIE = 'tuxedo_session'

export type Session = {
  readonly id: string
  readonly userId: string
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly expiresAt: number
  readonly reauthAt: number | null
}

type Row = {
  id: string
  user_id: string
  created_at: number
  last_seen_at: number
  expires_at: number
  reauth_at: number | null
}

const toSession = (r: Row): Session => ({
  id: r.id,
  userId: r.user_id,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  reauthAt: r.reauth_at,
})

/** Creates a session. `reauth` marks it fresh (the login itself was a passkey assertion). */
export async function createSession(
  db: SessionDb,
  userId: string,
  now: number,
  opts: { reauth?: boolean; passkeyId?: string } = {},
): Promise<{ token: string; session: Session }> {
  const token = randomToken(32)
  const row: Row = {
    id: newId('ses'),
    user_id: userId,
    created_at: now,
    last_seen_at: now,
    expires_at: now + SESSION_ABSOLUTE_MS,
    reauth_at: opts.reauth ? now : null,
  }
  await db
    .prepare(
      'INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, reauth_at, passkey_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .bind(
      row.id,
      await sha256Hex(token),
      row.user_id,
      row.created_at,
      row.last_seen_at,
      row.expires_at,
      row.reauth_at,
      opts.passkeyId ?? null,
    )
    .run()
  return { token, session: toSession(row) }
}

/** Pure: is this session usable at `now`? */
export function sessionAlive(s: Pick<Session, 'expiresAt' | 'lastSeenAt'>, now: number): boolean {
  return now < s.expiresAt && now - s.lastSeenAt < SESSION_IDLE_MS
}

/** Looks a token up; returns the live session (sliding its idle window) or undefined. Dead ones are deleted. */
export async function findSession(db: SessionDb, token: string, now: number): Promise<Session | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined
  const row = await db
    .prepare(
      'SELECT id, user_id, created_at, last_seen_at, expires_at, reauth_at FROM sessions WHERE token_hash = ?',
    )
    .bind(await sha256Hex(token))
    .first<Row>()
  if (!row) return undefined
  const session = toSession(row)
  if (!sessionAlive(session, now)) {
    await db.prepare('DELETE FROM sessions WHERE id = ?').bind(session.id).run()
    return undefined
  }
  if (now - session.lastSeenAt >= TOUCH_EVERY_MS) {
    await db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').bind(now, session.id).run()
    return { ...session, lastSeenAt: now }
  }
  return session
}

/** A session by id, alive or not (for showing the caller their own session). */
export async function sessionById(db: SessionDb, sessionId: string): Promise<Session | undefined> {
  const row = await db
    .prepare('SELECT id, user_id, created_at, last_seen_at, expires_at, reauth_at FROM sessions WHERE id = ?')
    .bind(sessionId)
    .first<Row>()
  return row ? toSession(row) : undefined
}

export async function markReauth(db: SessionDb, sessionId: string, now: number): Promise<void> {
  await db.prepare('UPDATE sessions SET reauth_at = ? WHERE id = ?').bind(now, sessionId).run()
}

export async function revokeSession(db: SessionDb, sessionId: string): Promise<void> {
  await db.prepare('DELETE FROM sessions WHERE id = ?').bind(sessionId).run()
}

export async function revokeAllSessions(db: SessionDb, userId: string): Promise<number> {
  const r = await db.prepare('DELETE FROM sessions WHERE user_id = ?').bind(userId).run()
  return r.meta.changes ?? 0
}

/**
 * The Set-Cookie value for a session token (or for clearing it). Always Secure: browsers treat
 * http://localhost as a secure context, so this holds in development too.
 */
export function sessionCookie(token: string | undefined): string {
  const attrs = ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict']
  if (token === undefined) return `${SESSION_COOKIE}=; ${attrs.join('; ')}; Max-Age=0`
  return `${SESSION_COOKIE}=${token}; ${attrs.join('; ')}; Max-Age=${SESSION_ABSOLUTE_MS / 1000}`
}
