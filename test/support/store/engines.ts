/**
 * The engines the contract suite (test/signer/store-engines.test.ts) runs against, each on a real
 * database it starts itself. Adding an engine is one entry in ENGINE_CASES.
 * `open()` makes another engine on the same database: a second replica (PostgreSQL: a second pool).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPostgresEngine } from '../../../signer/store/postgres/engine.ts'
import { openSqliteEngine } from '../../../signer/store/sqlite/engine.ts'
import type { Engine, StoreKind } from '../../../signer/store/types.ts'
import { startPostgres } from '../postgres/start-postgres.ts'

export type EngineHarness = {
  readonly kind: StoreKind
  open(): Promise<Engine>
  /** Two users' transactions overlap (PostgreSQL); SQLite has one writer, so they queue. */
  readonly concurrentUsers: boolean
  /** Stopping and starting the database server under a live engine (PostgreSQL only). */
  readonly outage?: { stop(): Promise<void>; start(): Promise<void> }
  close(): Promise<void>
}

export type EngineCase = { readonly kind: StoreKind; start(): Promise<EngineHarness> }

async function startPostgresHarness(): Promise<EngineHarness> {
  const server = await startPostgres()
  const engines: Engine[] = []
  return {
    kind: 'postgres',
    concurrentUsers: true,
    open: async () => {
      const engine = await createPostgresEngine({ url: server.url, poolSize: 8, connectTimeoutMs: 2000 })
      engines.push(engine)
      return engine
    },
    outage: { stop: () => server.shutdown(), start: () => server.start() },
    close: async () => {
      await Promise.allSettled(engines.map((e) => e.close()))
      await server.stop()
    },
  }
}

/** SQLite: one file, one writer; a "second replica" is the same engine (two connections would block). */
async function startSqliteHarness(): Promise<EngineHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'tuxedo-sqlite-engine-'))
  let engine: Engine | undefined
  return {
    kind: 'sqlite',
    concurrentUsers: false,
    open: async () => {
      engine ??= openSqliteEngine(dir, { adoptLegacy: () => undefined, checkpointer: false })
      return engine
    },
    close: async () => {
      await engine?.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export const ENGINE_CASES: readonly EngineCase[] = [
  { kind: 'sqlite', start: startSqliteHarness },
  { kind: 'postgres', start: startPostgresHarness },
]
