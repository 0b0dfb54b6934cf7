/**
 * A database from before row MACs, upgraded: migration 5 adopts its rows once (cum in line order, heads,
 * MACs), the sealed store then reads them as before, and a NULL MAC planted afterwards is tampering, not
 * legacy. And after a key rotation, resealRows moves every MAC to the new key without laundering a bad row.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { keyIdOf } from '../../signer/secrets.ts'
import { FEE_LEDGER_KEY } from '../../signer/store/ledger.ts'
import { deriveRowKeys, type RowKeys } from '../../signer/store/row-mac.ts'
import { createStore } from '../../signer/store/sealed.ts'
import { adoptLegacyRows } from '../../signer/store/sqlite/adopt.ts'
import { dbPath, openDb } from '../../signer/store/sqlite/db.ts'
import { openSqliteEngine } from '../../signer/store/sqlite/engine.ts'
import { resealRows } from '../../signer/store/sqlite/reseal.ts'
import type { Store, Tx } from '../../signer/store/types.ts'
import { StoreTamperedError } from '../../signer/store/types.ts'

const A = new Uint8Array(32).map((_, i) => 11 + i)
const B = new Uint8Array(32).map((_, i) => 99 + i)
const mk = (b: Uint8Array) => ({ id: keyIdOf(b), bytes: b })
const keysOf = (sealing: Uint8Array, ...held: Uint8Array[]): RowKeys =>
  deriveRowKeys({ sealing: mk(sealing), keys: new Map(held.map((b) => [keyIdOf(b), mk(b)])) })
const KEYS_A = keysOf(A, A)
const NOW = new Date('2026-01-02T00:00:00.000Z')
const H = 3_600_000
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString()

const MAC_TABLES = [
  'accounts',
  'requests',
  'spending',
  'approvals',
  'user_policies',
  'user_credentials',
  'user_challenges',
  'user_recovery_codes',
  'user_recovery_grants',
]

let dir: string
let store: Store | undefined
const open = (keys: RowKeys, adopt = (db: Database.Database) => void adoptLegacyRows(db, keys)) => {
  store = createStore(openSqliteEngine(dir, { adoptLegacy: adopt, checkpointer: false }), keys)
  return store
}
const closeStore = async () => {
  await store?.close()
  store = undefined
}
const tx = <T>(fn: (t: Tx) => Promise<T>, user = 'u1') => {
  if (!store) throw new Error('no store open')
  return store.transaction(user, fn)
}
const sql = <T>(fn: (db: Database.Database) => T): T => {
  const db = new Database(dbPath(dir))
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

/** A database at migration 4 (what the signer wrote before row MACs), with rows in it. */
function legacyDatabase(): void {
  openDb(dir, () => undefined).close()
  sql((db) => {
    db.exec(`
      DROP INDEX spending_by_user_asset_at;
      DROP INDEX spending_by_user_asset;
      DROP TABLE spending_heads;
      ALTER TABLE spending DROP COLUMN cum;
      ${MAC_TABLES.map((t) => `ALTER TABLE ${t} DROP COLUMN mac;`).join('\n')}
      PRAGMA user_version = 4;
    `)
    const acct = db.prepare(
      `INSERT INTO accounts (id, user_id, public_key, kind, name, ciphertext, key_version, created_at)
       VALUES (?, ?, ?, 'agent', NULL, ?, 'k', '2026-01-01T00:00:00.000Z')`,
    )
    acct.run('a1', 'u1', 'GA1', 'v1:k:a1')
    acct.run('a2', 'u1', 'GA2', 'v1:k:a2')
    acct.run('c1', 'u3', 'GC1', 'v1:k:c1')
    const line = db.prepare(
      `INSERT INTO spending (request_id, user_id, account_id, day, asset, stroops, tx_hash, approval_id, at, counts)
       VALUES (?, ?, 'a1', '2026-01-01', ?, ?, ?, NULL, ?, ?)`,
    )
    line.run('q9#native', 'u1', 'native', 10, 't1', ago(25 * H), 1)
    line.run('q9#fee', 'u1', FEE_LEDGER_KEY, 1, 't1', ago(25 * H), 1)
    line.run('q5#native', 'u1', 'native', 20, 't2', ago(24 * H), 1)
    line.run('q3#native', 'u1', 'native', 500, 't3', ago(2 * H), 0)
    line.run('q1#native', 'u1', 'native', 30, 't4', ago(H), 1)
    line.run('q1#fee', 'u1', FEE_LEDGER_KEY, 2, 't4', ago(H), 1)
    // Request ids sort against line order on purpose: cum follows insertion (rowid), not the id.
    // A user whose accounts were deleted: their lines are adopted and they get a head.
    line.run('x1#native', 'u2', 'native', 7, 'x1', ago(H), 1)
    db.prepare(
      `INSERT INTO approvals (id, user_id, account_id, tx_hash, xdr, amounts, reason, preview, status, counts_daily,
                              created_ms, expires_ms, decided_ms, used_ms)
       VALUES ('ap1', 'u1', 'a1', 'h', 'AAAA', '{}', 'r', NULL, 'approved', 1, 1, ?, 2, NULL)`,
    ).run(NOW.getTime() + H)
    db.prepare("INSERT INTO user_policies (user_id, policy, updated_at) VALUES ('u1', '{}', 'at')").run()
    db.prepare(
      `INSERT INTO user_credentials (id, user_id, public_key, counter, uv, transports, created_at, last_used_at)
       VALUES ('cr1', 'u1', 'pk', 4, 1, '[]', 'x', NULL)`,
    ).run()
    db.prepare(
      `INSERT INTO user_challenges (challenge, user_id, method, digest, expires_ms, used_ms)
       VALUES ('ch1', 'u1', 'm', 'd', 9, NULL)`,
    ).run()
    db.prepare(
      "INSERT INTO user_recovery_codes (user_id, code_hash, used_ms) VALUES ('u1', 'h1', NULL)",
    ).run()
    db.prepare("INSERT INTO user_recovery_codes (user_id, code_hash, used_ms) VALUES ('u1', 'h2', 5)").run()
    db.prepare('INSERT INTO user_recovery_grants (user_id, expires_ms) VALUES (?, ?)').run(
      'u1',
      NOW.getTime() + H,
    )
    db.prepare(
      "INSERT INTO requests (request_id, fingerprint, status, response, created_ms) VALUES ('q1', 'f', 200, '{}', 1)",
    ).run()
  })
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tuxedo-adopt-'))
})
afterEach(async () => {
  await closeStore()
  rmSync(dir, { recursive: true, force: true })
})

describe('adopting a database from before row MACs', () => {
  it('MACs every row once, inside migration 5, and logs how many', async () => {
    legacyDatabase()
    const logs: object[] = []
    let counts: Readonly<Record<string, number>> | undefined
    open(KEYS_A, (db) => {
      counts = adoptLegacyRows(db, KEYS_A, { info: (o) => void logs.push(o) })
    })
    expect(counts).toEqual({
      spending: 7,
      spending_heads: 3,
      accounts: 3,
      requests: 1,
      approvals: 1,
      user_policies: 1,
      user_credentials: 1,
      user_challenges: 1,
      user_recovery_codes: 2,
      user_recovery_grants: 1,
    })
    expect(logs).toEqual([expect.objectContaining({ total: 21 })])
    expect(sql((db) => db.pragma('user_version', { simple: true }))).toBe(5)
  })

  it('computes cum in line order and the window as the old SUM did', async () => {
    legacyDatabase()
    open(KEYS_A)
    const lines = await tx((t) => t.spending.linesOf('u1'))
    expect(lines.map((l) => [l.request_id, l.cum])).toEqual([
      ['q9#native', 10n],
      ['q9#fee', 1n],
      ['q5#native', 30n],
      ['q3#native', 30n],
      ['q1#native', 60n],
      ['q1#fee', 3n],
    ])
    // Old SUM over at > now − 24 h and counts = 1: native 30 (q1), fee 2 (q1); q5 is exactly 24 h old.
    expect(await tx((t) => t.spending.spentInWindow('u1', NOW))).toEqual(
      new Map([
        ['native', 30n],
        [FEE_LEDGER_KEY, 2n],
      ]),
    )
    expect(await tx((t) => t.spending.spentInWindow('u2', NOW), 'u2')).toEqual(new Map([['native', 7n]]))
    expect(await tx((t) => t.spending.spentInWindow('u3', NOW), 'u3')).toEqual(new Map())
    // And recording goes on from the adopted head.
    await tx((t) =>
      t.spending.record([
        {
          requestId: 'r5',
          userId: 'u1',
          accountId: 'a1',
          day: '2026-01-01',
          asset: 'native',
          stroops: 5n,
          txHash: 't5',
          approvalId: null,
          at: ago(1),
          counts: true,
        },
      ]),
    )
    expect(await tx((t) => t.spending.spentInWindow('u1', NOW))).toEqual(
      new Map([
        ['native', 35n],
        [FEE_LEDGER_KEY, 2n],
      ]),
    )
  })

  it('reads every adopted row through the sealed store as before', async () => {
    legacyDatabase()
    open(KEYS_A)
    await tx(async (t) => {
      expect((await t.accounts.list('u1')).map((a) => a.id)).toEqual(['a1', 'a2'])
      expect(await t.approvals.use('u1', 'ap1', 3)).toBe(true)
      expect(await t.userPolicies.get('u1')).toBe('{}')
      expect(await t.users.credential('u1', 'cr1')).toMatchObject({ counter: 4, uv: 1 })
      expect(await t.users.useChallenge('ch1', 1)).toBe(true)
      expect(await t.users.recoveryCodesLeft('u1')).toBe(1)
      expect(await t.users.takeRecoveryGrant('u1', NOW.getTime())).toBe(true)
      expect(await t.requests.get('q1')).toMatchObject({ status: 200 })
      expect(await t.spending.alreadyCounted('u1', 't3')).toBe(true)
    })
  })

  it('never adopts again: a row without a MAC planted after the upgrade is refused', async () => {
    legacyDatabase()
    open(KEYS_A)
    await closeStore()
    sql((db) =>
      db
        .prepare(
          `INSERT INTO user_credentials (id, user_id, public_key, counter, uv, transports, created_at, mac)
           VALUES ('planted', 'u1', 'attacker', 0, 1, '[]', 'x', NULL)`,
        )
        .run(),
    )
    let adoptedAgain = false
    open(KEYS_A, () => {
      adoptedAgain = true
    })
    expect(adoptedAgain).toBe(false)
    await expect(tx((t) => t.users.credential('u1', 'planted'))).rejects.toThrow(StoreTamperedError)
    await expect(tx((t) => t.users.credentials('u1'))).rejects.toThrow(StoreTamperedError)
  })

  it('a user with accounts gets a zero head: deleting it afterwards is refused', async () => {
    legacyDatabase()
    open(KEYS_A)
    sql((db) => db.prepare("DELETE FROM spending_heads WHERE user_id = 'u3'").run())
    await expect(tx((t) => t.spending.spentInWindow('u3', NOW), 'u3')).rejects.toThrow(StoreTamperedError)
  })
})

describe('resealRows after a key rotation', () => {
  const fill = async () => {
    open(KEYS_A)
    await tx(async (t) => {
      await t.accounts.insert({
        id: 'a1',
        user_id: 'u1',
        public_key: 'GA1',
        kind: 'agent',
        name: null,
        ciphertext: 'v1:k:a1',
        key_version: 'k',
        created_at: 'x',
      })
      await t.users.addRecoveryCodes('u1', ['h1'])
      await t.spending.record([
        {
          requestId: 'r1',
          userId: 'u1',
          accountId: 'a1',
          day: '2026-01-01',
          asset: 'native',
          stroops: 9n,
          txHash: 't1',
          approvalId: null,
          at: ago(H),
          counts: true,
        },
      ])
    })
    await closeStore()
  }

  it('moves every MAC under the new key; the old key can then be dropped', async () => {
    await fill()
    const counts = sql((db) => resealRows(db, keysOf(B, A, B), 1))
    expect(counts).toMatchObject({ accounts: 1, user_recovery_codes: 1, spending: 1, spending_heads: 1 })
    expect(sql((db) => db.prepare('SELECT mac FROM spending').pluck().all())).toEqual([
      expect.stringMatching(new RegExp(`^${keyIdOf(B)}\\.`)),
    ])
    open(keysOf(B, B))
    expect(await tx((t) => t.spending.spentInWindow('u1', NOW))).toEqual(new Map([['native', 9n]]))
    expect(await tx((t) => t.users.recoveryCodesLeft('u1'))).toBe(1)
    expect(await tx((t) => t.accounts.get('u1', 'a1'))).toMatchObject({ id: 'a1' })
  })
  it('without it, dropping the old key turns every older row into a refusal', async () => {
    await fill()
    open(keysOf(B, B))
    await expect(tx((t) => t.accounts.get('u1', 'a1'))).rejects.toThrow(StoreTamperedError)
  })
  it('does not launder a tampered row: it refuses, naming it, and re-MACs nothing of that batch', async () => {
    await fill()
    sql((db) => db.prepare("UPDATE spending SET stroops = 0 WHERE request_id = 'r1#native'").run())
    expect(() => sql((db) => resealRows(db, keysOf(B, A, B)))).toThrow(StoreTamperedError)
    expect(sql((db) => db.prepare('SELECT mac FROM spending').pluck().get())).toMatch(
      new RegExp(`^${keyIdOf(A)}\\.`),
    )
  })
})
