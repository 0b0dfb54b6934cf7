/**
 * Store faults as the dispatcher answers them, over the real SQLite engine and sealed store: the database
 * unavailable is a 503 ERR_SIGNER_UNAVAILABLE with nothing written (a retry with the same requestId then
 * runs from scratch); a row edited behind the signer's back is ERR_SIGNER_STORE_TAMPERED, logged with table
 * and key (never the row), audited, and not stored as the request's answer; every reply that reached the
 * store carries the audit head. Then start-up: a database from before row MACs is adopted once (migration
 * 5), and a PostgreSQL URL that cannot be reached stops the start (never a silent SQLite).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../signer/config.ts'
import { createKeyring } from '../../signer/crypto/keyring.ts'
import { createDispatcher, type Dispatch } from '../../signer/dispatch.ts'
import { loadSecrets, type Secrets } from '../../signer/secrets.ts'
import { openEngine, openStore } from '../../signer/store/open.ts'
import { deriveRowKeys } from '../../signer/store/row-mac.ts'
import { createStore } from '../../signer/store/sealed.ts'
import { adoptLegacyRows } from '../../signer/store/sqlite/adopt.ts'
import { type Db, dbPath, MIGRATIONS, openDb } from '../../signer/store/sqlite/db.ts'
import { createSqliteEngine } from '../../signer/store/sqlite/engine.ts'
import {
  type AuditHead,
  type Store,
  StoreTamperedError,
  StoreUnavailableError,
} from '../../signer/store/types.ts'
import { testEnv } from './helpers.ts'

let dir: string
let secrets: Secrets
let db: Db
let store: Store
let dispatch: Dispatch
let op: Database.Database
const logged: object[] = []

beforeEach(() => {
  const env = testEnv()
  dir = env.SIGNER_DATA_DIR ?? ''
  secrets = loadSecrets(env)
  const config = loadConfig(env)
  const rowKeys = deriveRowKeys(secrets)
  db = openDb(dir, (d) => void adoptLegacyRows(d, rowKeys))
  // No waiting for a lock someone else holds: "unavailable" is answered at once.
  db.pragma('busy_timeout = 0')
  logged.length = 0
  store = createStore(createSqliteEngine(db), rowKeys, { error: (obj) => void logged.push(obj) })
  dispatch = createDispatcher({
    store,
    keyring: createKeyring(secrets),
    networkPassphrase: config.network.passphrase,
    fingerprintKey: randomBytes(32),
    clock: Date.now,
    policy: config.policy,
    newId: (prefix) => `${prefix}_${randomBytes(16).toString('base64url')}`,
    nonce: () => new Uint8Array(randomBytes(16)),
    recoveryKey: randomBytes(32),
  })
  op = new Database(dbPath(dir))
})
afterEach(async () => {
  op.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const call = (method: string, params: unknown, requestId = `req_${randomUUID()}`) =>
  dispatch(method, { requestId, issuedAt: Date.now(), userId: 'u1', params })
const count = (table: string): number =>
  (op.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
const auditHead = (): AuditHead | undefined =>
  op.prepare<[], AuditHead>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get()
const lastAudit = () =>
  op
    .prepare<[], { decision: string; reason_code: string | null; request_id: string }>(
      'SELECT decision, reason_code, request_id FROM audit ORDER BY seq DESC LIMIT 1',
    )
    .get()
const createAccount = async (): Promise<{ accountId: string; publicKey: string }> => {
  const r = await call('accounts.create', { kind: 'agent' })
  expect(r.status, r.body).toBe(200)
  return JSON.parse(r.body).result
}

describe('the audit head in every reply that reached the store', () => {
  it("a success carries its own entry's head; a replay the head as it is now", async () => {
    const first = await call('accounts.create', { kind: 'agent' }, 'req_first')
    expect(first.auditHead).toEqual(auditHead())
    expect(first.auditHead?.seq).toBe(1)
    const second = await call('accounts.list', {})
    expect(second.auditHead).toMatchObject({ seq: 2 })
    const replay = await call('accounts.create', { kind: 'agent' }, 'req_first')
    expect(replay.replayed).toBe(true)
    expect(replay.body).toBe(first.body)
    expect(replay.auditHead).toEqual(second.auditHead)
  })

  it.each([
    ['an unknown method', () => call('accounts.steal', {})],
    ['a malformed envelope', () => dispatch('accounts.list', { userId: 'u1' })],
    [
      'a stale issuedAt',
      () => dispatch('accounts.list', { requestId: 'req_x', issuedAt: 1, userId: 'u1', params: {} }),
    ],
  ])('%s never reaches the store: no head', async (_name, send) => {
    const r = await send()
    expect(r.status).toBeGreaterThanOrEqual(400)
    expect(r.auditHead).toBeUndefined()
    expect(count('audit')).toBe(0)
  })
})

describe('the database unavailable', () => {
  it('answers 503 ERR_SIGNER_UNAVAILABLE at once, writes nothing, and a retry runs from scratch', async () => {
    const holder = new Database(dbPath(dir))
    holder.exec('BEGIN IMMEDIATE')
    let r: Awaited<ReturnType<Dispatch>>
    try {
      r = await call('accounts.create', { kind: 'agent' }, 'req_retry')
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
    expect(r.status).toBe(503)
    expect(r.code).toBe('ERR_SIGNER_UNAVAILABLE')
    expect(r.auditHead).toBeUndefined()
    for (const table of ['audit', 'requests', 'accounts', 'spending_heads']) expect(count(table)).toBe(0)
    const retry = await call('accounts.create', { kind: 'agent' }, 'req_retry')
    expect(retry.status).toBe(200)
    expect(retry.replayed).toBe(false)
    expect(count('accounts')).toBe(1)
  })
})

describe('a row edited behind the signer', () => {
  it.each<[string, string, unknown]>([
    ['name renamed', 'name', 'mine now'],
    ['ciphertext swapped', 'ciphertext', 'v1:other'],
    ['public key replaced', 'public_key', 'GATTACKER'],
    ['kind changed', 'kind', 'user'],
    ['MAC removed', 'mac', null],
    ['MAC of another row', 'mac', 'other'],
  ])('%s: refused with ERR_SIGNER_STORE_TAMPERED, logged, audited, not stored', async (_n, column, value) => {
    const a = await createAccount()
    const row = op.prepare('SELECT * FROM accounts WHERE id = ?').get(a.accountId) as Record<string, unknown>
    const set =
      value === 'other'
        ? (op.prepare('SELECT mac FROM requests LIMIT 1').get() as { mac: string }).mac
        : value
    op.prepare(`UPDATE accounts SET ${column} = ? WHERE id = ?`).run(set, a.accountId)

    const r = await call('accounts.get', { accountId: a.accountId }, 'req_tampered')
    expect(r.status).toBe(500)
    expect(r.code).toBe('ERR_SIGNER_STORE_TAMPERED')
    expect(JSON.parse(r.body).ok).toBe(false)
    expect(logged).toEqual([expect.objectContaining({ table: 'accounts', key: `u1/${a.accountId}` })])
    // The log names the row; it never carries its contents.
    const text = JSON.stringify(logged)
    for (const v of [row.ciphertext, row.public_key, row.name, 'GATTACKER', 'v1:other']) {
      if (typeof v === 'string') expect(text).not.toContain(v)
    }
    expect(lastAudit()).toEqual({
      decision: 'deny',
      reason_code: 'ERR_SIGNER_STORE_TAMPERED',
      request_id: 'req_tampered',
    })
    expect(r.auditHead).toEqual(auditHead())
    expect(op.prepare('SELECT 1 FROM requests WHERE request_id = ?').get('req_tampered')).toBeUndefined()

    // Put back, the same requestId is answered as a first request (the refusal was not its answer).
    op.prepare(`UPDATE accounts SET ${column} = ? WHERE id = ?`).run(row[column], a.accountId)
    const again = await call('accounts.get', { accountId: a.accountId }, 'req_tampered')
    expect(again.status).toBe(200)
    expect(again.replayed).toBe(false)
  })

  it('an untouched row is served', async () => {
    const a = await createAccount()
    const r = await call('accounts.get', { accountId: a.accountId })
    expect(r.status).toBe(200)
    expect(logged).toEqual([])
  })

  it("a ledger head lowered to zero refuses the user's next signature", async () => {
    await createAccount()
    op.prepare(`UPDATE spending_heads SET totals = '{"native":"0"}' WHERE user_id = 'u1'`).run()
    const r = await call('policy.get', {})
    expect(r.code).toBe('ERR_SIGNER_STORE_TAMPERED')
    expect(logged).toEqual([expect.objectContaining({ table: 'spending_heads' })])
  })
})

describe('start-up', () => {
  it('adopts a database from before row MACs once, in migration 5', async () => {
    const legacy = mkdtempSync(join(tmpdir(), 'tuxedo-legacy-'))
    try {
      const old = new Database(dbPath(legacy))
      for (const sql of MIGRATIONS.slice(0, 4)) old.exec(sql)
      old.pragma('user_version = 4')
      old
        .prepare(
          `INSERT INTO accounts (id, user_id, public_key, kind, name, ciphertext, key_version, created_at)
           VALUES ('acc_old', 'u1', 'GOLD', 'user', NULL, 'v1:c', 'k', '2026-01-01T00:00:00.000Z')`,
        )
        .run()
      const at = new Date(Date.now() - 60_000).toISOString()
      old
        .prepare(
          `INSERT INTO spending (request_id, user_id, account_id, day, asset, stroops, tx_hash, approval_id, at, counts)
           VALUES ('r1#native', 'u1', 'acc_old', ?, 'native', 70000000, 'h1', NULL, ?, 1)`,
        )
        .run(at.slice(0, 10), at)
      old.close()

      const opened = await openStore({ dataDir: legacy, databaseUrl: undefined }, secrets)
      const read = await opened.transaction('u1', async (tx) => ({
        account: await tx.accounts.get('u1', 'acc_old'),
        spent: await tx.spending.spentInWindow('u1', new Date()),
      }))
      expect(read.account).toMatchObject({ id: 'acc_old', public_key: 'GOLD' })
      expect(read.spent).toEqual(new Map([['native', 70_000_000n]]))
      await opened.close()

      // Adoption never runs again: a row planted without a MAC afterwards is tampering.
      const plant = new Database(dbPath(legacy))
      plant
        .prepare(
          `INSERT INTO accounts (id, user_id, public_key, kind, name, ciphertext, key_version, created_at)
           VALUES ('acc_new', 'u1', 'GNEW', 'user', NULL, 'v1:c', 'k', '2026-01-01T00:00:00.000Z')`,
        )
        .run()
      plant.close()
      const reopened = await openStore({ dataDir: legacy, databaseUrl: undefined }, secrets)
      await expect(
        reopened.transaction('u1', (tx) => tx.accounts.get('u1', 'acc_new')),
      ).rejects.toBeInstanceOf(StoreTamperedError)
      await reopened.close()
    } finally {
      rmSync(legacy, { recursive: true, force: true })
    }
  })

  it('a PostgreSQL URL that cannot be reached stops the start (never a silent SQLite)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tuxedo-no-sqlite-'))
    try {
      await expect(
        openEngine(
          { dataDir: empty, databaseUrl: 'postgres://signer:pw@127.0.0.1:1/tuxedo' },
          deriveRowKeys(secrets),
        ),
      ).rejects.toBeInstanceOf(StoreUnavailableError)
      expect(existsSync(dbPath(empty))).toBe(false)
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
