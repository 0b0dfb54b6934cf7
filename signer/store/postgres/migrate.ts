/**
 * Forward-only migrations, tracked in `schema_migrations`, run at start under a session advisory lock so
 * several replicas starting at once apply each migration exactly once (the others wait, then find it
 * done). The lock uses the two-int4 form (a key space apart from the per-user bigint keys of lock-key.ts).
 * A database ahead of this code (a newer replica migrated it) is refused: old code must not write rows a
 * newer schema reads differently.
 */
import type { Pool } from 'pg'
import { MIGRATIONS } from './schema.ts'

/** pg_advisory_lock(MIGRATION_LOCK[0], MIGRATION_LOCK[1]): "tuxe", "mig1" as int4. */
export const MIGRATION_LOCK = [0x74757865, 0x6d696731] as const

export async function migrate(pool: Pool): Promise<number> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK])
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version    integer PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      )
      const done = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')
      const current = done.rows[0]?.v ?? 0
      if (current > MIGRATIONS.length) {
        throw new Error(`database schema ${current} is newer than this signer's ${MIGRATIONS.length}`)
      }
      for (let v = current; v < MIGRATIONS.length; v++) {
        const sql = MIGRATIONS[v]
        if (sql === undefined) break
        await client.query('BEGIN')
        try {
          // A migration may take longer than a request's statement bound; this transaction only.
          await client.query('SET LOCAL statement_timeout = 0')
          await client.query(sql)
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v + 1])
          await client.query('COMMIT')
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined)
          throw err
        }
      }
      return MIGRATIONS.length
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]).catch((err: Error) => {
        broken = err
      })
    }
  } finally {
    // A client whose unlock failed may still hold the session lock: destroy it rather than pool it.
    client.release(broken)
  }
}
