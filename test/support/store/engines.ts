/**
 * The engines the contract suite (test/signer/store-engines.test.ts) runs against, each on a real
 * database it starts itself. Adding an engine is one entry in ENGINE_CASES.
 * `open()` makes another engine on the same database: a second replica (PostgreSQL: a second pool).
 */
import pg from 'pg'
import { createPostgresEngine } from '../../../signer/store/postgres/engine.ts'
import type { Engine, StoreKind } from '../../../signer/store/types.ts'
import { startPostgres } from '../postgres/start-postgres.ts'

export type EngineHarness = {
  readonly kind: StoreKind
  open(): Promise<Engine>
  /** Two users' transactions overlap (PostgreSQL); SQLite has one writer, so they queue. */
  readonly concurrentUsers: boolean
  /** Stopping and starting the database server under a live engine (PostgreSQL only). */
  readonly outage?: { stop(): Promise<void>; start(): Promise<void> }
  /** Direct SQL on the database, around the engine (tamper and schema checks). */
  readonly sql?: (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>
  /** A URL for a new, empty database on the same server (migration races). */
  readonly freshUrl?: () => Promise<string>
  close(): Promise<void>
}

export type EngineCase = { readonly kind: StoreKind; start(): Promise<EngineHarness> }

async function startPostgresHarness(): Promise<EngineHarness> {
  const server = await startPostgres()
  const engines: Engine[] = []
  const admin = new pg.Pool({ connectionString: server.url, max: 2 })
  admin.on('error', () => undefined)
  let fresh = 0
  return {
    kind: 'postgres',
    concurrentUsers: true,
    open: async () => {
      const engine = await createPostgresEngine({ url: server.url, poolSize: 8, connectTimeoutMs: 2000 })
      engines.push(engine)
      return engine
    },
    outage: { stop: () => server.shutdown(), start: () => server.start() },
    sql: async (text, values = []) => (await admin.query<Record<string, unknown>>(text, values)).rows,
    freshUrl: async () => {
      const name = `fresh_${fresh++}`
      await admin.query(`CREATE DATABASE ${name}`)
      return server.url.replace(/\/postgres$/, `/${name}`)
    },
    close: async () => {
      await Promise.allSettled(engines.map((e) => e.close()))
      await admin.end().catch(() => undefined)
      await server.stop()
    },
  }
}

export const ENGINE_CASES: readonly EngineCase[] = [{ kind: 'postgres', start: startPostgresHarness }]
