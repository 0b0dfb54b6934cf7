/**
 * The SQLite engine: `RawTx` over better-sqlite3 and group commit. Transactions that arrive in the same
 * event-loop turn run in one BEGIN IMMEDIATE … COMMIT, each in its own SAVEPOINT, one after another (each
 * `fn` is awaited before the next starts; the contract says `fn` awaits only the store, whose SQLite calls
 * resolve at once). Nobody's promise settles before the shared COMMIT, so nobody hears "signed" before the
 * audit row and the idempotency record are durable; the per-commit cost, the largest single cost of a
 * signature, is shared. A `fn` that throws rolls back only its savepoint and rejects only its caller; a
 * failed BEGIN or COMMIT (or SQLite abandoning the transaction) rejects the whole batch with
 * StoreUnavailableError, and the callers' retries (same requestId) run again from scratch.
 * One connection, one writer: transactions of every user are serialised, which is what the contract asks.
 */
import { type Engine, type RawTx, StoreUnavailableError } from '../types.ts'
import { accountRows } from './accounts.ts'
import { approvalRows, userPolicyRows } from './approvals.ts'
import { auditRows } from './audit.ts'
import { startCheckpointer } from './checkpointer.ts'
import { type Db, dbPath, openDb } from './db.ts'
import { pruneRequests, requestRows } from './requests.ts'
import { spendingRows } from './spending.ts'
import { pruneChallenges, userRows } from './users.ts'

/** Upper bound on one batch, so one flush cannot hold the event loop for long. */
const MAX_BATCH = 128

export type EngineLog = { error(obj: object, msg: string): void }

type Job = {
  readonly fn: (tx: RawTx) => Promise<unknown>
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

type Settled =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown }

/** Every statement prepared once; the request path never prepares. */
export function sqliteRawTx(db: Db): RawTx {
  return {
    accounts: accountRows(db),
    requests: requestRows(db),
    audit: auditRows(db),
    spending: spendingRows(db),
    approvals: approvalRows(db),
    userPolicies: userPolicyRows(db),
    users: userRows(db),
  }
}

const errorFields = (e: unknown) => ({
  name: e instanceof Error ? e.name : 'unknown',
  message: e instanceof Error ? e.message : String(e),
  code: (e as { code?: unknown } | null)?.code,
})

export function createSqliteEngine(
  db: Db,
  opts: { log?: EngineLog; onClose?: () => Promise<void> } = {},
): Engine {
  const raw = sqliteRawTx(db)
  const begin = db.prepare('BEGIN IMMEDIATE')
  const commit = db.prepare('COMMIT')
  const rollback = db.prepare('ROLLBACK')
  const savepoint = db.prepare('SAVEPOINT request')
  const release = db.prepare('RELEASE request')
  const rollbackTo = db.prepare('ROLLBACK TO request')
  const prunes = [pruneRequests(db), pruneChallenges(db)]
  const queue: Job[] = []
  let scheduled = false
  let running: Promise<void> | undefined
  let closed = false

  const unavailable = (what: string, cause: unknown): StoreUnavailableError => {
    opts.log?.error({ err: errorFields(cause) }, `sqlite: ${what}`)
    return new StoreUnavailableError(`the signer database failed: ${what}`, { cause })
  }

  async function runBatch(batch: readonly Job[]): Promise<void> {
    const settled: Settled[] = []
    try {
      begin.run()
    } catch (e) {
      const error = unavailable('BEGIN failed', e)
      for (const job of batch) job.reject(error)
      return
    }
    // A batch of one needs no savepoint: its failure is the whole transaction's, rolled back below.
    const nested = batch.length > 1
    try {
      for (const job of batch) {
        if (nested) savepoint.run()
        let s: Settled
        try {
          s = { ok: true, value: await job.fn(raw) }
        } catch (error) {
          s = { ok: false, error }
        }
        // SQLite abandons the whole transaction on some errors (disk full, I/O): nothing of it survives.
        if (!db.inTransaction) throw s.ok ? new Error('the transaction was abandoned') : s.error
        if (nested) {
          if (!s.ok) rollbackTo.run()
          release.run()
        }
        settled.push(s)
      }
      if (nested || settled[0]?.ok) commit.run()
      else rollback.run()
    } catch (e) {
      try {
        if (db.inTransaction) rollback.run()
      } catch {
        // The connection is beyond use; every caller below is told, and the next BEGIN reports it again.
      }
      const error = unavailable(`batch of ${batch.length} rolled back`, e)
      for (const job of batch) job.reject(error)
      return
    }
    for (const [i, job] of batch.entries()) {
      const s = settled[i]
      if (s?.ok) job.resolve(s.value)
      else job.reject(s ? s.error : new Error('batch entry not run'))
    }
  }

  const flush = () => {
    scheduled = false
    if (running || queue.length === 0) return
    const batch = queue.splice(0, MAX_BATCH)
    running = runBatch(batch).finally(() => {
      running = undefined
      if (queue.length > 0) schedule()
    })
  }

  const schedule = () => {
    if (scheduled) return
    scheduled = true
    // setImmediate runs after pending I/O callbacks: requests whose bodies arrived in this turn join the batch.
    setImmediate(flush)
  }

  function transaction<T>(_userId: string, fn: (tx: RawTx) => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new StoreUnavailableError('the signer database is closed'))
    return new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject })
      schedule()
    })
  }

  return {
    kind: 'sqlite',
    transaction,
    // Through the queue like any transaction: it never interleaves with a batch.
    prune: (nowMs) =>
      transaction('', async () => {
        for (const p of prunes) p(nowMs)
      }),
    async close() {
      if (closed) return
      closed = true
      while (running || queue.length > 0) {
        if (running) await running
        else await new Promise((r) => setImmediate(r))
      }
      await opts.onClose?.()
      db.close()
    },
  }
}

/**
 * The signer's SQLite engine in `dataDir`, migrated (legacy rows adopted by `adoptLegacy` inside migration
 * 5), with WAL checkpoints moved to a worker so the request path only appends to the WAL.
 */
export function openSqliteEngine(
  dataDir: string,
  opts: { adoptLegacy: (db: Db) => void; log?: EngineLog; checkpointer?: boolean },
): Engine {
  const db = openDb(dataDir, opts.adoptLegacy)
  if (opts.checkpointer === false) return createSqliteEngine(db, { ...(opts.log ? { log: opts.log } : {}) })
  db.pragma('wal_autocheckpoint = 0')
  const checkpointer = startCheckpointer(dbPath(dataDir))
  return createSqliteEngine(db, {
    ...(opts.log ? { log: opts.log } : {}),
    onClose: () => checkpointer.stop(),
  })
}
