/**
 * Two in-process signers (same keys, same app) on one Debian PostgreSQL: what one replica wrote, the other
 * reads; a requestId answers the same on both (replayed or raced); the database stopped is a 503
 * (ERR_SIGNER_UNAVAILABLE) at once, and both replicas serve again when it is back, without a restart.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type RunningPostgres, startPostgres } from '../support/postgres/start-postgres.ts'
import { guardAgainstLeaks, startTestSigner, type TestSigner, testEnv } from './helpers.ts'

guardAgainstLeaks()

let db: RunningPostgres
let a: TestSigner
let b: TestSigner

beforeAll(async () => {
  db = await startPostgres()
  const env = testEnv({ SIGNER_DATABASE_URL: db.url })
  a = await startTestSigner({ env })
  b = await startTestSigner({
    env: { ...env, SIGNER_DATA_DIR: mkdtempSync(join(tmpdir(), 'tuxedo-replica-')) },
  })
})
afterAll(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()])
  await db?.stop()
})

it('an account created on one replica is listed by the other', async () => {
  const created = await a.client.call('accounts.create', { kind: 'agent' }, { userId: 'user_rep1' })
  expect(created.status).toBe(200)
  const listed = await b.client.call('accounts.list', {}, { userId: 'user_rep1' })
  expect(listed.body.result?.accounts.map((x) => x.accountId)).toStrictEqual([created.body.result?.accountId])
})

it('a requestId replayed on the other replica returns the first answer, without doing the work again', async () => {
  const env = { requestId: 'req_rep_replay_01', userId: 'user_rep2' }
  const first = await a.client.call('accounts.create', { kind: 'agent' }, env)
  const again = await b.client.call('accounts.create', { kind: 'agent' }, env)
  expect(again.body).toStrictEqual(first.body)
  expect(
    (await a.client.call('accounts.list', {}, { userId: 'user_rep2' })).body.result?.accounts,
  ).toHaveLength(1)
})

it('one requestId sent to both replicas at once: one account, the same answer twice', async () => {
  const env = { requestId: 'req_rep_race_0001', userId: 'user_rep3' }
  const [x, y] = await Promise.all([
    a.client.call('accounts.create', { kind: 'agent' }, env),
    b.client.call('accounts.create', { kind: 'agent' }, env),
  ])
  expect(x.body).toStrictEqual(y.body)
  expect(
    (await b.client.call('accounts.list', {}, { userId: 'user_rep3' })).body.result?.accounts,
  ).toHaveLength(1)
})

it('one requestId for two users at once on two replicas: one is done, the other is a conflict (409)', async () => {
  const requestId = 'req_rep_race_0002'
  const replies = await Promise.all([
    a.client.call('accounts.create', { kind: 'agent' }, { requestId, userId: 'user_rep4' }),
    b.client.call('accounts.create', { kind: 'agent' }, { requestId, userId: 'user_rep5' }),
  ])
  expect(replies.map((r) => r.status).sort()).toStrictEqual([200, 409])
  expect(replies.find((r) => r.status === 409)?.body.error?.code).toBe('ERR_SIGNER_REQUEST_CONFLICT')
})

it('database stopped: 503 ERR_SIGNER_UNAVAILABLE on both replicas (bound: the 10 s test timeout), then both serve again', {
  timeout: 10_000,
}, async () => {
  await db.shutdown()
  try {
    for (const s of [a, b]) {
      const r = await s.client.call('accounts.create', { kind: 'agent' }, { userId: 'user_rep6' })
      expect(r.status).toBe(503)
      expect(r.body.error?.code).toBe('ERR_SIGNER_UNAVAILABLE')
    }
  } finally {
    await db.start()
  }
  for (const s of [a, b]) {
    expect((await s.client.call('accounts.create', { kind: 'agent' }, { userId: 'user_rep6' })).status).toBe(
      200,
    )
  }
  expect(
    (await a.client.call('accounts.list', {}, { userId: 'user_rep6' })).body.result?.accounts,
  ).toHaveLength(2)
  // Nothing of the refused requests was written, and nothing leaked the URL's password into a log.
  const password = new URL(db.url).password
  expect([...a.logs, ...b.logs].some((l) => l.includes(password))).toBe(false)
})
