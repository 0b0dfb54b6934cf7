/**
 * What only the PostgreSQL engine has: migrations raced by replicas starting at once, the audit table's
 * append-only triggers, CHECK constraints, the requestId raced by two users, deadlocks retried from
 * scratch, a crashed (SIGKILLed) server recovered without recreating the engine, the lock key's hash (a
 * known answer computed by PostgreSQL itself), type parsers scoped to the engine's pool.
 * One Debian PostgreSQL per file, in a temp dir.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyIdOf } from '../../signer/secrets.ts'
import { openEngine } from '../../signer/store/open.ts'
import { createPostgresEngine } from '../../signer/store/postgres/engine.ts'
import { userLockKey } from '../../signer/store/postgres/lock-key.ts'
import { deriveRowKeys } from '../../signer/store/row-mac.ts'
import { type Engine, type RawTx, StoreUnavailableError } from '../../signer/store/types.ts'
import { type RunningPostgres, startPostgres } from '../support/postgres/start-postgres.ts'
import { startTcpProxy } from '../support/postgres/tcp-proxy.ts'
import * as r from '../support/store/rows.ts'

let server: RunningPostgres
let admin: pg.Pool
let engine: Engine
const opened: Engine[] = []
const open = async (url = server.url) => {
  const e = await createPostgresEngine({ url, poolSize: 4, connectTimeoutMs: 2000 })
  opened.push(e)
  return e
}
const sql = async (text: string, values: unknown[] = []) => (await admin.query(text, values)).rows

beforeAll(async () => {
  server = await startPostgres()
  admin = new pg.Pool({ connectionString: server.url, max: 2 })
  admin.on('error', () => undefined)
  engine = await open()
})
afterAll(async () => {
  await Promise.allSettled(opened.map((e) => e.close()))
  await admin?.end()
  await server?.stop()
})

it('six replicas starting at once on an empty database apply migration 1 exactly once', async () => {
  await sql('CREATE DATABASE race')
  const url = server.url.replace(/\/postgres$/, '/race')
  await Promise.all(Array.from({ length: 6 }, () => open(url)))
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  const rows = (await db.query('SELECT version FROM schema_migrations ORDER BY version')).rows
  await db.end()
  expect(rows).toStrictEqual([{ version: 1 }])
})

describe('the audit table is append-only and its head is one row', () => {
  beforeAll(() =>
    engine.transaction('u-audit', (tx) => {
      const f = r.auditFields('u-audit')
      return tx.audit.append(f, () => 'h'.repeat(64))
    }),
  )
  it.each([
    'UPDATE audit SET decision = $$allow$$',
    'DELETE FROM audit',
    'TRUNCATE audit',
    'DELETE FROM audit_head',
    'TRUNCATE audit_head',
    'INSERT INTO audit_head (id, seq, hash) VALUES (2, 0, NULL)',
    'UPDATE audit_head SET hash = NULL',
  ])('refused: %s', async (statement) => {
    await expect(sql(statement)).rejects.toThrow()
  })
  it('an ordinary append is accepted', async () => {
    const head = await engine.transaction('u-audit', (tx) => tx.audit.head())
    expect(head?.seq).toBeGreaterThan(0)
  })
})

describe('CHECK constraints refuse impossible rows, and the transaction writes nothing', () => {
  it.each<[string, (tx: RawTx, u: string) => Promise<unknown>]>([
    ['account kind', (tx, u) => tx.accounts.insert({ ...r.account(u), kind: 'bot' as 'agent' })],
    ['negative stroops', (tx, u) => tx.spending.insertLine(r.line(u, { stroops: -1n }))],
    ['negative cum', (tx, u) => tx.spending.insertLine(r.line(u, { cum: -1n }))],
    ['approval status', (tx, u) => tx.approvals.insert({ ...r.approval(u), status: 'done' as 'used' })],
    ['counts_daily 2', (tx, u) => tx.approvals.insert(r.approval(u, { counts_daily: 2 }))],
    ['uv 2', (tx, u) => tx.users.addCredential({ ...r.credential(u), uv: 2 as 1 })],
    ['negative counter', (tx, u) => tx.users.addCredential(r.credential(u, { counter: -1 }))],
    ['negative head lines', (tx, u) => tx.spending.putHead(r.head(u, { lines: -1 }), undefined)],
    ['mac missing', (tx, u) => tx.accounts.insert({ ...r.account(u), mac: null as unknown as string })],
  ])('%s', async (_name, write) => {
    const u = r.uniq('user')
    const acc = r.account(u)
    await expect(
      engine.transaction(u, async (tx) => {
        await tx.accounts.insert(acc)
        await write(tx, u)
      }),
    ).rejects.toThrow()
    expect(await engine.transaction(u, (tx) => tx.accounts.get(u, acc.id))).toBeUndefined()
  })

  it('amounts beyond 2^64 round-trip exactly (NUMERIC(39,0), i128 token amounts)', async () => {
    const u = r.uniq('user')
    const big = 2n ** 120n + 7n
    const row = r.line(u, { stroops: big, cum: big * 2n })
    await engine.transaction(u, (tx) => tx.spending.insertLine(row))
    expect(await engine.transaction(u, (tx) => tx.spending.linesOf(u))).toStrictEqual([row])
  })
})

it('a failed statement that fn swallows still fails the transaction (no silent ROLLBACK-as-COMMIT)', async () => {
  const u = r.uniq('user')
  const acc = r.account(u)
  await engine.transaction(u, (tx) => tx.accounts.insert(acc))
  const other = r.account(u)
  await expect(
    engine.transaction(u, async (tx) => {
      await tx.accounts.insert(other)
      await tx.accounts.insert(acc).catch(() => undefined) // duplicate id: the statement fails
      return 'done'
    }),
  ).rejects.toThrow(/duplicate key/)
  expect(await engine.transaction(u, (tx) => tx.accounts.get(u, other.id))).toBeUndefined()
})

it("fn's own StoreUnavailableError (the sealed layer's raced head) passes through as it is, rolled back", async () => {
  const u = r.uniq('user')
  const acc = r.account(u)
  const raced = new StoreUnavailableError('the spending head changed under a concurrent writer')
  await expect(
    engine.transaction(u, async (tx) => {
      await tx.accounts.insert(acc)
      throw raced
    }),
  ).rejects.toBe(raced)
  expect(await engine.transaction(u, (tx) => tx.accounts.get(u, acc.id))).toBeUndefined()
})

it('one requestId raced by two users on two replicas: one stores it, the other is rerun and reads it', async () => {
  const b = await open()
  const requestId = r.uniq('req')
  let waiting = 0
  let release: () => void = () => {}
  const bothRead = new Promise<void>((resolve) => {
    release = resolve
  })
  const attempt = (e: Engine, user: string) =>
    e.transaction(user, async (tx) => {
      const stored = await tx.requests.get(requestId)
      if (stored) return `read ${stored.fingerprint}`
      if (++waiting === 2) release()
      await bothRead // both have seen "no row": both insert
      await tx.requests.insert(r.request({ request_id: requestId, fingerprint: user }))
      return `stored ${user}`
    })
  const results = (await Promise.all([attempt(engine, 'alice'), attempt(b, 'bob')])).sort()
  expect(results).toHaveLength(2)
  const winner = results.find((x) => x.startsWith('stored '))?.slice('stored '.length)
  expect(results).toStrictEqual([`read ${winner}`, `stored ${winner}`])
})

it("a burst for one user holds one pooled connection: another user's transaction is served meanwhile", async () => {
  const e = await createPostgresEngine({ url: server.url, poolSize: 2, poolWaitMs: 300 })
  opened.push(e)
  const hot = r.uniq('user')
  const burst = Array.from({ length: 100 }, () =>
    e.transaction(hot, async (tx) => {
      await tx.accounts.count(hot)
      await new Promise((resolve) => setTimeout(resolve, 5)) // the lock held a while
    }),
  )
  await new Promise((resolve) => setTimeout(resolve, 50))
  const other = r.uniq('user')
  // Without the per-user queue both connections wait on the hot user's lock and this times out (300 ms).
  expect(await e.transaction(other, (tx) => tx.accounts.count(other))).toBe(0)
  await Promise.all(burst)
})

it('a deadlock between two users is retried from scratch and both commit', { timeout: 15_000 }, async () => {
  const [x, y] = [r.uniq('user'), r.uniq('user')]
  let attempts = 0
  let waiting = 0
  let release: () => void = () => {}
  const bothLocked = new Promise<void>((resolve) => {
    release = resolve
  })
  // Opposite order on two rows: the second UPDATE of each waits for the other (40P01 after deadlock_timeout).
  const cross = (user: string, first: string, second: string) =>
    engine.transaction(user, async (tx) => {
      attempts++
      await tx.userPolicies.put(r.policy(first, user))
      if (++waiting === 2) release()
      await bothLocked
      await tx.userPolicies.put(r.policy(second, user))
    })
  await engine.transaction(x, async (tx) => {
    await tx.userPolicies.put(r.policy(x, '0'))
    await tx.userPolicies.put(r.policy(y, '0'))
  })
  await Promise.all([cross(x, x, y), cross(y, y, x)])
  expect(attempts).toBe(3)
})

it('after a SIGKILL of the server and a start, the same engine works again (stale pooled clients)', async () => {
  const u = r.uniq('user')
  await Promise.all([1, 2, 3].map(() => engine.transaction(u, (tx) => tx.accounts.count(u))))
  await server.kill()
  await expect(engine.transaction(u, (tx) => tx.accounts.count(u))).rejects.toBeInstanceOf(
    StoreUnavailableError,
  )
  await server.start()
  expect(await engine.transaction(u, (tx) => tx.accounts.count(u))).toBe(0)
})

describe('behind a relay that goes silent (half-open connections, an unreachable host)', () => {
  const viaProxy = async (port: number) => {
    const url = server.url.replace(`:${server.port}/`, `:${port}/`)
    const e = await createPostgresEngine({
      url,
      poolSize: 4,
      connectTimeoutMs: 1000,
      statementTimeoutMs: 300,
    })
    opened.push(e)
    return e
  }

  it('a pooled connection gone half-open is given up after query_timeout; the transaction commits on a fresh one', async () => {
    const proxy = await startTcpProxy(server.port)
    try {
      const e = await viaProxy(proxy.port)
      const u = r.uniq('user')
      await e.transaction(u, (tx) => tx.accounts.count(u)) // one idle pooled client now
      proxy.freeze()
      const acc = r.account(u)
      await e.transaction(u, (tx) => tx.accounts.insert(acc))
      expect(await engine.transaction(u, (tx) => tx.accounts.get(u, acc.id))).toStrictEqual(acc)
    } finally {
      await proxy.close()
    }
  })

  it('unreachable (connections accepted, nothing answers): StoreUnavailableError (bound: connect 1 s + query 1.3 s, under the 10 s timeout)', {
    timeout: 10_000,
  }, async () => {
    const proxy = await startTcpProxy(server.port)
    try {
      const e = await viaProxy(proxy.port)
      const u = r.uniq('user')
      await e.transaction(u, (tx) => tx.accounts.count(u))
      proxy.freeze()
      proxy.blackhole(true)
      await expect(e.transaction(u, (tx) => tx.accounts.count(u))).rejects.toBeInstanceOf(
        StoreUnavailableError,
      )
      proxy.blackhole(false)
      expect(await e.transaction(u, (tx) => tx.accounts.count(u))).toBe(0)
    } finally {
      await proxy.close()
    }
  })
})

it('nothing listening: createPostgresEngine rejects with StoreUnavailableError', async () => {
  const url = server.url.replace(`:${server.port}/`, ':1/')
  await expect(createPostgresEngine({ url, connectTimeoutMs: 1000 })).rejects.toBeInstanceOf(
    StoreUnavailableError,
  )
})

it('prune drops idempotency records older than 10 min and challenges 1 h past expiry, nothing newer', async () => {
  const now = 1_900_000_000_000
  const u = r.uniq('user')
  const [oldReq, newReq] = [
    r.request({ created_ms: now - 600_001 }),
    r.request({ created_ms: now - 599_000 }),
  ]
  const [oldChal, newChal] = [
    r.challenge(u, { expires_ms: now - 3_600_001 }),
    r.challenge(u, { expires_ms: now - 5 }),
  ]
  await engine.transaction(u, async (tx) => {
    for (const q of [oldReq, newReq]) await tx.requests.insert(q)
    for (const c of [oldChal, newChal]) await tx.users.addChallenge(c)
  })
  await engine.prune(now)
  await engine.transaction(u, async (tx) => {
    expect(await tx.requests.get(oldReq.request_id)).toBeUndefined()
    expect(await tx.requests.get(newReq.request_id)).toStrictEqual(newReq)
    expect(await tx.users.challenge(oldChal.challenge)).toBeUndefined()
    expect(await tx.users.challenge(newChal.challenge)).toStrictEqual(newChal)
  })
})

describe('the per-user lock key', () => {
  it.each(['alice', 'usr_0123456789abcdef', 'ünïcødé', ''])(
    '%j: first 8 bytes of SHA-256, as PostgreSQL computes them',
    async (user) => {
      const [row] = await sql(
        `SELECT (('x' || substr(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint)::text AS k`,
        [`tuxedo/signer/user-lock/v1\n${user}`],
      )
      expect(userLockKey(user).toString()).toBe(row?.k)
    },
  )
  it('distinct users, distinct keys', () => {
    expect(userLockKey('alice')).not.toBe(userLockKey('alice '))
  })
})

it("int8 and numeric parse to bigint in the engine's pool only, not process-wide", async () => {
  expect(pg.types.getTypeParser(20)('9007199254740993')).toBe('9007199254740993')
  expect((await sql('SELECT 9007199254740993::int8 AS n'))[0]?.n).toBe('9007199254740993')
})

describe('openEngine (signer/store/open.ts): the engine choice', () => {
  const master = new Uint8Array(32).map((_, i) => 3 + i)
  const keys = deriveRowKeys({
    sealing: { id: keyIdOf(master), bytes: master },
    keys: new Map([[keyIdOf(master), { id: keyIdOf(master), bytes: master }]]),
  })
  const lines: string[] = []
  const line = (obj: object, msg: string) => void lines.push(JSON.stringify({ ...obj, msg }))
  const log = { info: line, warn: line, error: line }

  it('no SIGNER_DATABASE_URL: SQLite in the data dir', async () => {
    const e = await openEngine(
      { dataDir: mkdtempSync(join(tmpdir(), 'tuxedo-open-')), databaseUrl: undefined },
      keys,
    )
    opened.push(e)
    expect(e.kind).toBe('sqlite')
  })
  it('SIGNER_DATABASE_URL set: PostgreSQL, logged without the password', async () => {
    const e = await openEngine({ dataDir: '/nonexistent', databaseUrl: server.url }, keys, log)
    opened.push(e)
    expect(e.kind).toBe('postgres')
    expect(await e.transaction('u-open', (tx) => tx.accounts.count('u-open'))).toBe(0)
    expect(lines.join('\n')).toContain(`127.0.0.1:${server.port}/postgres`)
    expect(lines.join('\n')).not.toContain(new URL(server.url).password)
  })
  it('SIGNER_DATABASE_URL unreachable: the start fails (StoreUnavailableError), no fallback to SQLite', async () => {
    const url = server.url.replace(`:${server.port}/`, ':1/')
    await expect(openEngine({ dataDir: '/nonexistent', databaseUrl: url }, keys)).rejects.toBeInstanceOf(
      StoreUnavailableError,
    )
  })
})
