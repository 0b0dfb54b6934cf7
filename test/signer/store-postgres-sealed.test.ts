/**
 * The sealed store (signer/store/sealed.ts) over two PostgreSQL engines on one database: two replicas.
 * 200 concurrent spends spread over both against a cap sign exactly cap/amount, the ledger and the audit
 * chain agree, and a head edited or deleted in the database behind the signer's back is a refusal
 * (StoreTamperedError), never a zero.
 */
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { keyIdOf } from '../../signer/secrets.ts'
import { createPostgresEngine } from '../../signer/store/postgres/engine.ts'
import { deriveRowKeys } from '../../signer/store/row-mac.ts'
import { createStore } from '../../signer/store/sealed.ts'
import { type Engine, type Store, StoreTamperedError } from '../../signer/store/types.ts'
import { type RunningPostgres, startPostgres } from '../support/postgres/start-postgres.ts'
import * as r from '../support/store/rows.ts'

const MASTER = new Uint8Array(32).map((_, i) => 11 + i)
const KEYS = deriveRowKeys({
  sealing: { id: keyIdOf(MASTER), bytes: MASTER },
  keys: new Map([[keyIdOf(MASTER), { id: keyIdOf(MASTER), bytes: MASTER }]]),
})
const NOW = new Date('2026-12-01T12:00:00.000Z')
const CAP = 50_000_000n
const AMOUNT = 1_000_000n

let server: RunningPostgres
let admin: pg.Pool
const engines: Engine[] = []
let replicas: Store[] = []
const replica = (i: number): Store => {
  const store = replicas[i % replicas.length]
  if (!store) throw new Error('no replica')
  return store
}

beforeAll(async () => {
  server = await startPostgres()
  admin = new pg.Pool({ connectionString: server.url, max: 1 })
  admin.on('error', () => undefined) // the server's shutdown at the end ends its idle client
  for (let i = 0; i < 2; i++) engines.push(await createPostgresEngine({ url: server.url, poolSize: 8 }))
  replicas = engines.map((e) => createStore(e, KEYS))
})
afterAll(async () => {
  await Promise.allSettled(engines.map((e) => e.close()))
  await admin?.end()
  await server?.stop()
})

/** One decision the way tx.sign makes it: read the window, decide, record and audit, in one transaction. */
const spend = (store: Store, user: string, i: number) =>
  store.transaction(user, async (tx) => {
    const spent = (await tx.spending.spentInWindow(user, NOW)).get('native') ?? 0n
    const allow = spent + AMOUNT <= CAP
    const requestId = `req-${user}-${i}`
    if (allow) {
      await tx.spending.record([
        {
          requestId,
          userId: user,
          accountId: 'acc',
          day: '2026-12-01',
          asset: 'native',
          stroops: AMOUNT,
          txHash: `hash-${i}`,
          approvalId: null,
          at: NOW.toISOString(),
          counts: true,
        },
      ])
    }
    await tx.audit.append({
      ...r.auditFields(user, { request_id: requestId }),
      decision: allow ? 'allow' : 'deny',
      reason_code: allow ? null : 'ERR_POLICY_DAILY_CAP',
    })
    return allow
  })

it('200 concurrent spends over two replicas against a cap: exactly cap/amount signed; ledger = audit', async () => {
  const user = r.uniq('user')
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => spend(replica(i), user, i)))
  const signed = results.filter(Boolean).length
  expect(signed).toBe(Number(CAP / AMOUNT))
  await replica(0).transaction(user, async (tx) => {
    expect(await tx.spending.linesOf(user)).toHaveLength(signed)
    expect((await tx.spending.spentInWindow(user, NOW)).get('native')).toBe(CAP)
    const audit = await tx.audit.listForUser(user, Number.MAX_SAFE_INTEGER, 1000)
    expect(audit).toHaveLength(200)
    expect(audit.filter((a) => a.decision === 'allow')).toHaveLength(signed)
  })
})

it.each([
  ['totals set to nothing', 'UPDATE spending_heads SET totals = $$ {} $$ WHERE user_id = $1'],
  ['line count rewound', 'UPDATE spending_heads SET lines = 0 WHERE user_id = $1'],
  ['head deleted', 'DELETE FROM spending_heads WHERE user_id = $1'],
])('a head edited behind the signer (%s): StoreTamperedError, not a zero', async (_name, edit) => {
  const user = r.uniq('user')
  expect(await spend(replica(0), user, 0)).toBe(true)
  await admin.query(edit, [user])
  await expect(spend(replica(1), user, 1)).rejects.toBeInstanceOf(StoreTamperedError)
})
