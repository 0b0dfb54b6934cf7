/**
 * The SQLite engine's group commit (signer/store/sqlite/engine.ts): transactions of one event-loop turn
 * share one BEGIN IMMEDIATE … COMMIT, each in its own savepoint, run one after another; nobody hears back
 * before the COMMIT; a throwing transaction loses only its own writes; a failed BEGIN or COMMIT rejects
 * the whole batch with StoreUnavailableError and writes nothing. A second connection plays the observer
 * (what another process would see), so "not committed yet" is checked, not assumed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Db, dbPath, openDb } from '../../signer/store/sqlite/db.ts'
import { createSqliteEngine } from '../../signer/store/sqlite/engine.ts'
import {
  type ApprovalRow,
  type Engine,
  type RawTx,
  type Stored,
  StoreUnavailableError,
} from '../../signer/store/types.ts'

let dir: string
let db: Db
let engine: Engine
let observer: Database.Database
const errors: object[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tuxedo-engine-'))
  db = openDb(dir, () => undefined)
  errors.length = 0
  engine = createSqliteEngine(db, { log: { error: (obj) => void errors.push(obj) } })
  observer = new Database(dbPath(dir), { readonly: true })
})
afterEach(async () => {
  observer.close()
  await engine.close()
  rmSync(dir, { recursive: true, force: true })
})

const request = (id: string) => ({
  request_id: id,
  fingerprint: 'f',
  status: 200,
  response: '{}',
  created_ms: 1,
  mac: 'k.mac',
})
const put = (id: string) => (tx: RawTx) => tx.requests.insert(request(id))
/** What another connection sees committed. */
const committed = (): string[] =>
  observer
    .prepare<[], { request_id: string }>('SELECT request_id FROM requests ORDER BY request_id')
    .all()
    .map((r) => r.request_id)

describe('group commit', () => {
  it('runs one turn in one transaction: nothing is visible, and nobody resolves, before the COMMIT', async () => {
    let firstSettled = false
    const seenInSecond: string[][] = []
    const first = engine.transaction('u1', put('r1')).then(() => {
      firstSettled = true
    })
    const second = engine.transaction('u2', async (tx) => {
      await put('r2')(tx)
      seenInSecond.push(committed())
      return firstSettled
    })
    expect(await second).toBe(false)
    await first
    expect(seenInSecond).toEqual([[]])
    expect(committed()).toEqual(['r1', 'r2'])
  })

  it('runs each transaction to its end before the next starts', async () => {
    const events: string[] = []
    const step = (name: string) => async (tx: RawTx) => {
      for (let i = 0; i < 3; i++) {
        await tx.audit.head()
        events.push(`${name}${i}`)
      }
    }
    await Promise.all([engine.transaction('u', step('a')), engine.transaction('u', step('b'))])
    expect(events).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2'])
  })

  it('a transaction that throws loses only its own writes and rejects only its caller', async () => {
    const boom = new Error('method failed')
    const results = await Promise.allSettled([
      engine.transaction('u', put('r1')),
      engine.transaction('u', async (tx) => {
        await put('r2')(tx)
        throw boom
      }),
      engine.transaction('u', async (tx) => {
        // A constraint error inside one transaction: the same rollback, the others unaffected.
        await put('r1')(tx)
      }),
      engine.transaction('u', put('r3')),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled'])
    expect(results[1]).toMatchObject({ reason: boom })
    expect(committed()).toEqual(['r1', 'r3'])
  })

  it('a lone transaction that throws is rolled back whole', async () => {
    await expect(
      engine.transaction('u', async (tx) => {
        await put('r1')(tx)
        throw new Error('no')
      }),
    ).rejects.toThrow('no')
    expect(committed()).toEqual([])
    await engine.transaction('u', put('r2'))
    expect(committed()).toEqual(['r2'])
  })

  it('a failed COMMIT rejects the whole batch with StoreUnavailableError and writes nothing', async () => {
    // A deferred foreign key is checked at COMMIT: the one way to make SQLite refuse a COMMIT on demand.
    db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`)
    const orphan = db.prepare('INSERT INTO child (p) VALUES (1)')
    const results = await Promise.allSettled([
      engine.transaction('u', put('r1')),
      engine.transaction('u', async (tx) => {
        await put('r2')(tx)
        orphan.run()
      }),
      engine.transaction('u', put('r3')),
    ])
    for (const r of results) {
      expect(r.status).toBe('rejected')
      expect(r.status === 'rejected' && r.reason).toBeInstanceOf(StoreUnavailableError)
    }
    expect(committed()).toEqual([])
    expect(errors).toHaveLength(1)
    // The engine goes on: the next turn commits.
    await engine.transaction('u', put('r4'))
    expect(committed()).toEqual(['r4'])
  })

  it('a BEGIN that cannot take the write lock rejects at once with StoreUnavailableError', async () => {
    db.pragma('busy_timeout = 0')
    const holder = new Database(dbPath(dir))
    holder.exec('BEGIN IMMEDIATE')
    try {
      const results = await Promise.allSettled([
        engine.transaction('u', put('r1')),
        engine.transaction('u', put('r2')),
      ])
      expect(
        results.map((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailableError),
      ).toEqual([true, true])
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
    expect(committed()).toEqual([])
    await engine.transaction('u', put('r3'))
    expect(committed()).toEqual(['r3'])
  })

  it('splits a turn into batches of at most 128: the 129th sees the first batch committed', async () => {
    const seen: number[] = []
    const all = Array.from({ length: 130 }, (_, i) =>
      engine.transaction('u', async (tx) => {
        await put(`r${String(i).padStart(3, '0')}`)(tx)
        seen[i] = committed().length
      }),
    )
    await Promise.all(all)
    expect(seen[0]).toBe(0)
    expect(seen[127]).toBe(0)
    expect(seen[128]).toBe(128)
    expect(seen[129]).toBe(128)
    expect(committed()).toHaveLength(130)
  })

  it('refuses transactions once closed, after finishing the ones already queued', async () => {
    const queued = engine.transaction('u', put('r1'))
    const closing = engine.close()
    await expect(engine.transaction('u', put('r2'))).rejects.toBeInstanceOf(StoreUnavailableError)
    await queued
    await closing
    expect(committed()).toEqual(['r1'])
  })
})

describe('conditional writes hold only while the row is what the caller read', () => {
  const approval = (status: ApprovalRow['status'], mac = 'k.a'): Stored<ApprovalRow> => ({
    id: 'ap1',
    user_id: 'u1',
    account_id: 'a1',
    tx_hash: 'h',
    xdr: 'AAAA',
    amounts: '{}',
    reason: 'r',
    preview: null,
    status,
    counts_daily: 1,
    created_ms: 1,
    expires_ms: 2,
    decided_ms: null,
    used_ms: null,
    mac,
  })
  const account = {
    ...{ id: 'a1', user_id: 'u1', public_key: 'G1', kind: 'user' as const, name: null },
    ...{ ciphertext: 'c1', key_version: 'k1', created_at: 't', mac: 'k.m' },
  }
  const head = { user_id: 'u1', totals: { native: '5' }, lines: 1, mac: 'k.h' }

  beforeEach(async () => {
    await engine.transaction('u1', async (tx) => {
      await tx.approvals.insert(approval('pending'))
      await tx.accounts.insert(account)
      await tx.spending.putHead(head, undefined)
      await tx.users.addChallenge({
        challenge: 'ch',
        user_id: 'u1',
        method: 'm',
        digest: 'd',
        expires_ms: 9,
        used_ms: null,
        mac: 'k.c',
      })
    })
  })

  it.each<[string, (tx: RawTx) => Promise<boolean>, boolean]>([
    [
      'approval pending → approved',
      (tx) => tx.approvals.transition('u1', 'ap1', 'pending', approval('approved')),
      true,
    ],
    [
      'approval from a status it is not in',
      (tx) => tx.approvals.transition('u1', 'ap1', 'approved', approval('used')),
      false,
    ],
    [
      'approval of another user',
      (tx) => tx.approvals.transition('u2', 'ap1', 'pending', approval('approved')),
      false,
    ],
    [
      'approval that does not exist',
      (tx) => tx.approvals.transition('u1', 'ap9', 'pending', approval('approved')),
      false,
    ],
    [
      'ciphertext swapped from a stale one',
      (tx) => tx.accounts.swapCiphertext('u1', 'a1', 'c0', { ...account, ciphertext: 'c2' }),
      false,
    ],
    [
      'ciphertext of another user',
      (tx) => tx.accounts.swapCiphertext('u2', 'a1', 'c1', { ...account, ciphertext: 'c2' }),
      false,
    ],
    ['head over a stale line count', (tx) => tx.spending.putHead({ ...head, lines: 3 }, 2), false],
    ['head created where one exists', (tx) => tx.spending.putHead({ ...head, lines: 3 }, undefined), false],
    [
      'challenge used under another value',
      (tx) =>
        tx.users.useChallenge('other', {
          challenge: 'ch',
          user_id: 'u1',
          method: 'm',
          digest: 'd',
          expires_ms: 9,
          used_ms: 5,
          mac: 'k.c2',
        }),
      false,
    ],
    [
      'credential that does not exist',
      (tx) =>
        tx.users.updateCredential('u1', 'c9', 0, {
          id: 'c9',
          user_id: 'u1',
          public_key: 'p',
          counter: 1,
          uv: 1,
          transports: '[]',
          created_at: 't',
          last_used_at: 't',
          mac: 'k.x',
        }),
      false,
    ],
  ])('%s', async (_name, write, expected) => {
    expect(await engine.transaction('u1', write)).toBe(expected)
  })

  it('the approval row written is the new row, its MAC included', async () => {
    await engine.transaction('u1', (tx) =>
      tx.approvals.transition('u1', 'ap1', 'pending', approval('approved', 'k.new')),
    )
    expect(await engine.transaction('u1', (tx) => tx.approvals.get('u1', 'ap1'))).toEqual(
      approval('approved', 'k.new'),
    )
    // Used once: a second use of the same starting status finds it moved.
    expect(
      await engine.transaction('u1', (tx) =>
        tx.approvals.transition('u1', 'ap1', 'pending', approval('approved')),
      ),
    ).toBe(false)
  })

  it('the head round-trips its totals and moves only from the count it was read at', async () => {
    expect(await engine.transaction('u1', (tx) => tx.spending.head('u1'))).toEqual(head)
    const next = { ...head, totals: { native: '9', fee: '1' }, lines: 3, mac: 'k.h2' }
    expect(await engine.transaction('u1', (tx) => tx.spending.putHead(next, 1))).toBe(true)
    expect(await engine.transaction('u1', (tx) => tx.spending.head('u1'))).toEqual(next)
  })
})
