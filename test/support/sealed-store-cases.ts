/**
 * The engines the sealed-store suites (test/signer/store-sealed*.test.ts) run over, each with its operator
 * (who edits rows behind the signer's back): the memory stand-in, SQLite (a second connection to the file)
 * and a real Debian PostgreSQL (a `pg` connection of its own; one cluster per test file, started on first
 * use, a fresh database per test). And the rows and instants the suites share.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, beforeEach } from 'vitest'
import { keyIdOf } from '../../signer/secrets.ts'
import { createPostgresEngine } from '../../signer/store/postgres/engine.ts'
import { deriveRowKeys } from '../../signer/store/row-mac.ts'
import { createStore } from '../../signer/store/sealed.ts'
import { adoptLegacyRows } from '../../signer/store/sqlite/adopt.ts'
import { dbPath } from '../../signer/store/sqlite/db.ts'
import { openSqliteEngine } from '../../signer/store/sqlite/engine.ts'
import type { AccountRow, ApprovalRow, NewSpendingLine, Tx } from '../../signer/store/types.ts'
import { createMemoryEngine } from './memory-engine.ts'
import { type RunningPostgres, startPostgres } from './postgres/start-postgres.ts'
import { postgresOperator } from './postgres-operator.ts'
import { sqliteOperator } from './sqlite-operator.ts'
import { type EngineCase, type Harness, memoryOperator } from './store-operator.ts'

export const MASTER = new Uint8Array(32).map((_, i) => 7 + i)
export const KEYS = deriveRowKeys({
  sealing: { id: keyIdOf(MASTER), bytes: MASTER },
  keys: new Map([[keyIdOf(MASTER), { id: keyIdOf(MASTER), bytes: MASTER }]]),
})
export const NOW = new Date('2026-01-02T00:00:00.000Z')
export const H = 3_600_000
export const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString()

export const logged: object[] = []
export const LOG = { error: (obj: object) => void logged.push(obj) }

let postgres: Promise<RunningPostgres> | undefined
let databases = 0
const sharedPostgres = (): Promise<RunningPostgres> => {
  postgres ??= startPostgres()
  return postgres
}
/** For the suite's afterAll: stops the cluster if a test started it. */
export async function stopSharedPostgres(): Promise<void> {
  const running = postgres
  postgres = undefined
  if (running) await (await running).stop()
}
async function adminQuery(server: RunningPostgres, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.url })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

export const ENGINES: EngineCase[] = [
  {
    name: 'memory stand-in',
    async open() {
      const engine = createMemoryEngine()
      return {
        store: createStore(engine, KEYS, LOG),
        op: memoryOperator(engine),
        close: async () => undefined,
      }
    },
  },
  {
    name: 'SQLite engine',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'tuxedo-sealed-'))
      const engine = openSqliteEngine(dir, {
        adoptLegacy: (db) => void adoptLegacyRows(db, KEYS),
        checkpointer: false,
      })
      const op = sqliteOperator(dbPath(dir))
      return {
        store: createStore(engine, KEYS, LOG),
        op,
        async close() {
          op.close()
          await engine.close()
          rmSync(dir, { recursive: true, force: true })
        },
      }
    },
  },
  {
    name: 'PostgreSQL engine',
    macRequired: true,
    async open() {
      const server = await sharedPostgres()
      const name = `sealed_${++databases}`
      await adminQuery(server, `CREATE DATABASE ${name}`)
      const url = server.url.replace(/\/postgres$/, `/${name}`)
      const engine = await createPostgresEngine({ url, poolSize: 2 })
      const op = postgresOperator(url)
      return {
        store: createStore(engine, KEYS, LOG),
        op,
        async close() {
          await op.close()
          await engine.close()
          await adminQuery(server, `DROP DATABASE ${name}`)
        },
      }
    },
  },
]

export const account = (user: string, id: string, pk = `G${id.toUpperCase()}`): AccountRow => ({
  id,
  user_id: user,
  public_key: pk,
  kind: 'agent',
  name: null,
  ciphertext: `v1:k:${id}`,
  key_version: 'k',
  created_at: '2026-01-01T00:00:00.000Z',
})
export const approval = (
  user: string,
  id: string,
  status: ApprovalRow['status'] = 'pending',
): ApprovalRow => ({
  id,
  user_id: user,
  account_id: 'a1',
  tx_hash: 'h1',
  xdr: 'AAAA',
  amounts: '{"native":"100"}',
  reason: 'above the approval threshold',
  preview: null,
  status,
  counts_daily: 1,
  created_ms: NOW.getTime() - 1000,
  expires_ms: NOW.getTime() + H,
  decided_ms: null,
  used_ms: null,
})
export const line = (
  req: string,
  at: string,
  stroops: bigint,
  o: Partial<NewSpendingLine> = {},
): NewSpendingLine => ({
  requestId: req,
  userId: 'u1',
  accountId: 'a1',
  day: at.slice(0, 10),
  asset: 'native',
  stroops,
  txHash: `tx-${req}`,
  approvalId: null,
  at,
  counts: true,
  ...o,
})

/**
 * The per-test setup both sealed-store files share, inside their `describe.each(ENGINES)`: a fresh store
 * over the engine with accounts a1, a2 of u1 and b1 of u2, the log emptied; `tx` runs in one transaction.
 */
export function seededStore(engine: EngineCase) {
  let current: Harness | undefined
  const h = (): Harness => {
    if (!current) throw new Error('seededStore: used outside a test')
    return current
  }
  const tx = <T>(fn: (t: Tx) => Promise<T>, user = 'u1') => h().store.transaction(user, fn)
  const spent = (user = 'u1') => tx((t) => t.spending.spentInWindow(user, NOW), user)
  beforeEach(async () => {
    current = await engine.open()
    logged.length = 0
    await tx(async (t) => {
      await t.accounts.insert(account('u1', 'a1'))
      await t.accounts.insert(account('u1', 'a2'))
    })
    await tx((t) => t.accounts.insert(account('u2', 'b1')), 'u2')
  })
  afterEach(() => h().close())
  return { h, tx, spent }
}
