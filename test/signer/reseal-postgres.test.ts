/**
 * resealPostgres (signer/store/postgres/reseal.ts) on a real Debian PostgreSQL, at the two edges the CLI
 * test (rotation-postgres.test.ts) cannot reach: a store left half-resealed (as after a crash) is finished
 * by the next run, which touches only the rows still under the old key; and a row a replica rewrites while
 * the reseal has it in hand keeps the replica's write (compare-and-swap on the old MAC), never a MAC of the
 * row as it was read.
 */
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { keyIdOf } from '../../signer/secrets.ts'
import { createPostgresEngine } from '../../signer/store/postgres/engine.ts'
import { resealPostgres } from '../../signer/store/postgres/reseal.ts'
import { deriveRowKeys, macRow } from '../../signer/store/row-mac.ts'
import { USER_POLICIES } from '../../signer/store/row-tables.ts'
import { createStore } from '../../signer/store/sealed.ts'
import type { Tx } from '../../signer/store/types.ts'
import { type RunningPostgres, startPostgres } from '../support/postgres/start-postgres.ts'

const A = new Uint8Array(32).map((_, i) => 3 + i)
const B = new Uint8Array(32).map((_, i) => 90 + i)
const keysOf = (sealing: Uint8Array, ...held: Uint8Array[]) =>
  deriveRowKeys({
    sealing: { id: keyIdOf(sealing), bytes: sealing },
    keys: new Map(held.map((k) => [keyIdOf(k), { id: keyIdOf(k), bytes: k }])),
  })

let server: RunningPostgres
let admin: pg.Client
beforeAll(async () => {
  server = await startPostgres()
  admin = new pg.Client({ connectionString: server.url })
  await admin.connect()
})
afterAll(async () => {
  await admin?.end()
  await server?.stop()
})

/** Runs `fn` on a sealed store under `keys` over the database. */
async function withStore<T>(keys: ReturnType<typeof keysOf>, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const engine = await createPostgresEngine({ url: server.url, poolSize: 1 })
  try {
    return await createStore(engine, keys).transaction('u', fn)
  } finally {
    await engine.close()
  }
}

const macIds = async (table: string) =>
  (
    await admin.query<{ id: string }>(`SELECT split_part(mac, '.', 1) AS id FROM ${table} ORDER BY 1`)
  ).rows.map((r) => r.id)

it('finishes a half-resealed store: only rows still under the old key are touched', async () => {
  await withStore(keysOf(A, A), async (t) => {
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5']) await t.userPolicies.put(u, `{"u":"${u}"}`, 'at')
  })
  // Two rows already under B (as a crashed run or a replica during the rotation leaves them).
  await withStore(keysOf(B, A, B), async (t) => {
    await t.userPolicies.put('u1', '{"u":"u1"}', 'at')
    await t.userPolicies.put('u2', '{"u":"u2"}', 'at')
  })
  const report = await resealPostgres(server.url, keysOf(B, A, B), 2)
  expect(report).toMatchObject({ tampered: [], resealed: { user_policies: 3 } })
  expect(await macIds('user_policies')).toEqual(Array(5).fill(keyIdOf(B)))
  expect((await resealPostgres(server.url, keysOf(B, A, B), 2)).resealed.user_policies).toBe(0)
  // B alone reads every row.
  expect(await withStore(keysOf(B, B), (t) => t.userPolicies.get('u4'))).toBe('{"u":"u4"}')
})

it("a row a replica rewrites meanwhile keeps the replica's write", async () => {
  await admin.query('DELETE FROM user_policies')
  await withStore(keysOf(A, A), (t) => t.userPolicies.put('u9', '{"cap":"1"}', 'at'))
  // The replica's transaction: the row rewritten (stricter policy, MAC under B), locked until it commits.
  const replica = new pg.Client({ connectionString: server.url })
  await replica.connect()
  const newer = { user_id: 'u9', policy: '{"cap":"0"}', updated_at: 'later' }
  await replica.query('BEGIN')
  await replica.query('UPDATE user_policies SET policy = $1, updated_at = $2, mac = $3 WHERE user_id = $4', [
    newer.policy,
    newer.updated_at,
    macRow(keysOf(B, B), USER_POLICIES.name, USER_POLICIES.columns, newer),
    'u9',
  ])
  // The reseal reads the old row (MVCC) and waits on the replica's lock to write it.
  const resealing = resealPostgres(server.url, keysOf(B, A, B))
  await new Promise((r) => setTimeout(r, 500))
  await replica.query('COMMIT')
  await replica.end()
  const report = await resealing
  expect(report.tampered).toEqual([])
  expect(report.resealed.user_policies).toBe(0)
  expect(await withStore(keysOf(B, B), (t) => t.userPolicies.get('u9'))).toBe('{"cap":"0"}')
})
