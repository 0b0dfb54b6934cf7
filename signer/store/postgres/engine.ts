/**
 * The PostgreSQL engine: `RawTx` over a `pg` pool, for any number of stateless signer replicas on one
 * database. Threats this stops:
 * - two replicas deciding for one user at once (both under the cap, together over it): every transaction
 *   takes pg_advisory_xact_lock on the user's key (lock-key.ts) after BEGIN, READ COMMITTED, so a user's
 *   transactions run one after another on every replica, and see each other's commits;
 * - a database outage that hangs the signer or half-writes a request: connect, statement, lock-wait and
 *   idle-in-transaction times are bounded; any connection failure is StoreUnavailableError at once and the
 *   open transaction dies with its connection (PostgreSQL rolls it back); the pool makes new connections
 *   once the database is back (no restart), and an idle client's error is logged, never a crash.
 * Serialization failures and deadlocks (40001, 40P01) and a requestId committed meanwhile by another
 * user's transaction run the whole `fn` again from scratch, a bounded number of times.
 */
import pg from 'pg'
import { REQUEST_RETENTION_MS } from '../sqlite/requests.ts'
import { type Engine, type RawTx, StoreUnavailableError } from '../types.ts'
import { accountsOn, requestsOn } from './accounts.ts'
import { approvalsOn, userPoliciesOn } from './approvals.ts'
import { auditOn } from './audit.ts'
import { parseBigint } from './cells.ts'
import { isConnectionLoss, isRequestIdConflict, isRetryable, isUnavailable, unavailable } from './errors.ts'
import { userLockKey } from './lock-key.ts'
import { migrate } from './migrate.ts'
import { queryOn, type TxState } from './query.ts'
import { spendingOn } from './spending.ts'
import { createUserQueue } from './user-queue.ts'
import { usersOn } from './users.ts'

/** Used challenges are kept this long after expiry so a late replay is still named one (as sqlite/users.ts). */
const CHALLENGE_KEEP_MS = 60 * 60_000

export type PostgresLog = { warn(obj: object, msg: string): void }

export type PostgresEngineOptions = {
  /** postgres:// or postgresql://; TLS through its sslmode / sslrootcert parameters. */
  readonly url: string
  /** Connections per replica (default 10). */
  readonly poolSize?: number
  /** Opening a new connection longer than this fails (default 3000 ms). */
  readonly connectTimeoutMs?: number
  /** Waiting for a free pooled connection longer than this fails (default statement + connect bound). */
  readonly poolWaitMs?: number
  /** Server-side bound on one statement, including the wait for the user's lock (default 5000 ms). */
  readonly statementTimeoutMs?: number
  /** Attempts of one transaction on 40001/40P01/requestId conflict (default 4). */
  readonly maxAttempts?: number
  readonly log?: PostgresLog
}

const NUMERIC_OID = 1700

function typesFor(): pg.CustomTypesConfig {
  // This pool's clients only, not pg.types: the process-wide parsers of other pg users stay as they are.
  const types = new pg.TypeOverrides()
  types.setTypeParser(pg.types.builtins.INT8, parseBigint)
  types.setTypeParser(NUMERIC_OID, parseBigint)
  return types
}

function rawTxOn(q: ReturnType<typeof queryOn>): RawTx {
  return {
    accounts: accountsOn(q),
    requests: requestsOn(q),
    audit: auditOn(q),
    spending: spendingOn(q),
    approvals: approvalsOn(q),
    userPolicies: userPoliciesOn(q),
    users: usersOn(q),
  }
}

/** A pooled connection that died while idle (the database restarted): nothing ran; try a fresh one. */
class StaleClient extends Error {
  readonly original: unknown
  constructor(original: unknown) {
    super('stale pooled connection')
    this.original = original
  }
}

const isReadTimeout = (err: unknown): boolean =>
  err instanceof Error && err.message.includes('Query read timeout')

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function createPostgresEngine(opts: PostgresEngineOptions): Promise<Engine> {
  const statementTimeoutMs = opts.statementTimeoutMs ?? 5000
  const maxAttempts = opts.maxAttempts ?? 4
  const poolSize = opts.poolSize ?? 10
  const connectMs = opts.connectTimeoutMs ?? 3000
  // pg-pool hands its connectionTimeoutMillis (the wait for a pooled client) to every client it makes;
  // a client of our own keeps the connect bound short while a busy pool may be waited on longer.
  class BoundedClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectMs })
    }
  }
  const pool = new pg.Pool({
    Client: BoundedClient,
    connectionString: opts.url,
    max: poolSize,
    connectionTimeoutMillis: opts.poolWaitMs ?? statementTimeoutMs + connectMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    statement_timeout: statementTimeoutMs,
    // The client's own bound, past the server's: catches a database that stopped answering at all.
    query_timeout: statementTimeoutMs + 1000,
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    application_name: 'tuxedo-signer',
    types: typesFor(),
  })
  // Logs a code only: pg's messages can carry the host and port, never put the URL in a log line.
  const warn = (err: Error, msg: string) => {
    const code = (err as NodeJS.ErrnoException).code
    opts.log?.warn({ code: typeof code === 'string' ? code : 'connection' }, msg)
  }
  // An idle pooled client whose server went away emits 'error' on the pool; unhandled, it would kill the
  // process. The pool drops that client and connects afresh on the next checkout.
  pool.on('error', (err) => warn(err, 'postgres idle client lost'))
  try {
    await migrate(pool)
  } catch (err) {
    await pool.end().catch(() => undefined)
    throw isUnavailable(err) ? unavailable(err) : err
  }

  // pg reads a per-query query_timeout (client.js) that @types/pg does not declare.
  const begin: pg.QueryConfig & { readonly query_timeout: number } = {
    text: 'BEGIN ISOLATION LEVEL READ COMMITTED',
    query_timeout: connectMs,
  }

  // Clients that completed a transaction: one that fails before fn ran died while idle in the pool.
  const seasoned = new WeakSet<pg.PoolClient>()

  async function once<T>(userId: string, fn: (tx: RawTx) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await pool.connect()
    } catch (err) {
      throw unavailable(err)
    }
    // A checked-out client whose connection dies between statements emits 'error' on itself (the pool
    // only listens while it is idle): without a listener that is an uncaught exception. The next
    // statement then fails and the transaction rejects as unavailable.
    const onLost = (err: Error) => warn(err, 'postgres connection lost')
    client.on('error', onLost)
    const state: TxState = { failed: undefined }
    let broken: Error | undefined
    // Set once BEGIN answered: the connection was alive then, so a later failure is no stale idle client
    // (a partition that freezes the lock statement must cost one bound, not that bound plus a fresh try).
    let begun = false
    try {
      // BEGIN answers at once on a live connection: one that has not answered within a connect bound is
      // half-open or the server is silent, and waiting the full statement bound before the fresh try would
      // make a partition cost a statement bound plus a connect instead of two connects.
      await client.query(begin)
      begun = true
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [userLockKey(userId).toString()])
      const result = await fn(rawTxOn(queryOn(client, state)))
      // A statement failed and fn went on: PostgreSQL would answer COMMIT with a silent ROLLBACK.
      if (state.failed) throw state.failed.error
      await client.query('COMMIT')
      seasoned.add(client)
      return result
    } catch (err) {
      if (isUnavailable(err)) {
        // No ROLLBACK on a dead or silent connection (it would wait out query_timeout again): destroying
        // the client closes the session, and PostgreSQL rolls back a transaction whose session is gone.
        broken = err instanceof Error ? err : new Error('unavailable')
      } else {
        try {
          await client.query('ROLLBACK')
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error('rollback failed')
        }
      }
      if (isConnectionLoss(err) && !begun && seasoned.has(client)) throw new StaleClient(err)
      throw err
    } finally {
      // A client that failed on its connection is destroyed, not pooled again.
      client.off('error', onLost)
      client.release(broken)
    }
  }

  /** One transaction, run again from scratch on a retryable failure (a bounded number of times). */
  async function attempts<T>(userId: string, fn: (tx: RawTx) => Promise<T>): Promise<T> {
    let stale = 0
    let silent = 0
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(userId, fn)
      } catch (thrown) {
        // After a restart every idle client may be stale (at most the pool's size); a new one is not. A
        // client that went silent (its BEGIN timed out) is tried past once only: each more idle client of
        // a partitioned database would cost another timeout before the caller hears 503.
        const timedOut = thrown instanceof StaleClient && isReadTimeout(thrown.original)
        if (thrown instanceof StaleClient && stale < poolSize && (!timedOut || silent === 0)) {
          stale++
          if (timedOut) silent++
          attempt--
          continue
        }
        const err = thrown instanceof StaleClient ? thrown.original : thrown
        if (err instanceof StoreUnavailableError) throw err
        if ((isRetryable(err) || isRequestIdConflict(err)) && attempt < maxAttempts) {
          // Jittered, growing: two replicas that deadlocked should not collide again at once.
          await sleep(Math.random() * 5 * attempt)
          continue
        }
        throw isUnavailable(err) ? unavailable(err) : err
      }
    }
  }

  // One statement bound in line at most: with the task's own bounds, a request is answered within about
  // two statement bounds plus a connect, the figure docs/deploy.md gives.
  const inLine = createUserQueue(statementTimeoutMs)

  return {
    kind: 'postgres',
    transaction: (userId, fn) => inLine(userId, () => attempts(userId, fn)),
    async prune(nowMs) {
      try {
        await pool.query('DELETE FROM requests WHERE created_ms < $1', [nowMs - REQUEST_RETENTION_MS])
        await pool.query('DELETE FROM user_challenges WHERE expires_ms < $1', [nowMs - CHALLENGE_KEEP_MS])
      } catch (err) {
        throw isUnavailable(err) ? unavailable(err) : err
      }
    },
    close: () => pool.end(),
  }
}
