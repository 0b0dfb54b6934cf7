/** A user and a live session made straight in a Miniflare D1, for benchmarks that need a signed-in caller. */
import type { Miniflare } from 'miniflare'
import { createSession, type SessionDb } from '../../edge/auth/sessions.ts'

export async function benchSession(mf: Miniflare, userId = 'usr_bench'): Promise<string> {
  const db = await mf.getD1Database('DB')
  const now = Date.now()
  await db
    .prepare('INSERT INTO users (id, email, created_at) VALUES (?, ?, ?)')
    .bind(userId, `${userId}@bench.example`, now)
    .run()
  // Miniflare's D1 satisfies the structural slice sessions use; its declared types come from another copy.
  const { token } = await createSession(db as unknown as SessionDb, userId, now)
  return token
}
