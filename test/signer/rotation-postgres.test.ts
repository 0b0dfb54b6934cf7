/**
 * Key rotation on PostgreSQL (signer/store/postgres/reseal.ts through `signer:rotate-key`), the checks of
 * rotation.test.ts on a real Debian PostgreSQL: run beside a replica that holds both keys and keeps
 * serving, afterwards no row's MAC names the old key and a signer holding the new key alone signs and
 * exports everything; a row edited in the database is not re-MAC'd (reported, left under its old key, and
 * the CLI exits non-zero), while every other row moves on.
 */
import { Keypair } from '@stellar/stellar-sdk/base'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyIdOf } from '../../signer/secrets.ts'
import { type RunningPostgres, startPostgres } from '../support/postgres/start-postgres.ts'
import { SoftAuthenticator } from '../support/webauthn/authenticator.ts'
import { runChild } from './child.ts'
import {
  guardAgainstLeaks,
  randomMasterKey,
  startTestSigner,
  TEST_RP_ORIGIN,
  type TestSigner,
  testEnv,
} from './helpers.ts'
import { paymentXdr, verifySigned } from './tx-fixtures.ts'

guardAgainstLeaks()

const TABLES = [
  'accounts',
  'requests',
  'spending',
  'spending_heads',
  'approvals',
  'user_policies',
  'user_credentials',
  'user_challenges',
  'user_recovery_codes',
  'user_recovery_grants',
]

type Held = { userId: string; accountId: string; publicKey: string; secret: string | undefined }

let db: RunningPostgres
let admin: pg.Client
const enrolled = new Map<string, SoftAuthenticator>()
const held: Held[] = []
const keyId = (b64: string) => keyIdOf(Buffer.from(b64, 'base64'))

beforeAll(async () => {
  db = await startPostgres()
  admin = new pg.Client({ connectionString: db.url })
  await admin.connect()
})
afterAll(async () => {
  await admin?.end()
  await db?.stop()
})

/** Every master key id the MACs name, with how many rows name it. */
async function macKeyIds(): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const t of TABLES) {
    const r = await admin.query<{ id: string; n: string }>(
      `SELECT split_part(mac, '.', 1) AS id, count(*)::text AS n FROM ${t} GROUP BY 1`,
    )
    for (const { id, n } of r.rows) out[id] = (out[id] ?? 0) + Number(n)
  }
  return out
}

async function signsWithAll(t: TestSigner, list: Held[]): Promise<void> {
  for (const a of list) {
    const reply = await t.client.call(
      'tx.sign',
      { accountId: a.accountId, xdr: paymentXdr(a.publicKey) },
      { userId: a.userId },
    )
    expect(reply.status, `${a.accountId}: ${JSON.stringify(reply.body)}`).toBe(200)
    expect(verifySigned(reply.body.result?.signedXdr ?? '', a.publicKey).valid).toBe(true)
    if (a.secret) {
      const passkey = enrolled.get(a.userId)
      if (passkey) t.client.prover.adopt(a.userId, passkey)
      const exported = await t.client.proven(
        'accounts.export',
        { accountId: a.accountId },
        { userId: a.userId },
      )
      expect(exported.body.result?.secret).toBe(a.secret)
    }
  }
}

const rotate = (from: string, to: string, salt: string | undefined) =>
  runChild('signer/cli/rotate-key.ts', {
    ATTESTATION_MODE: 'insecure-dev',
    ENCRYPTION_MASTER_KEY: from,
    ENCRYPTION_MASTER_KEY_NEXT: to,
    SERVER_SALT_SECRET: salt,
    SIGNER_DATABASE_URL: db.url,
    ROTATE_BATCH_SIZE: '3',
  })

describe('rotate-key on PostgreSQL', () => {
  const env = testEnv()
  const oldKey = env.ENCRYPTION_MASTER_KEY ?? ''
  const newKey = randomMasterKey()
  const thirdKey = randomMasterKey()

  it('re-MACs every row beside a serving replica; the new key alone then opens everything', async () => {
    const base = { ...env, SIGNER_DATABASE_URL: db.url }
    const t1 = await startTestSigner({ env: base })
    for (let i = 0; i < 12; i++) {
      const userId = `user_${i % 4}`
      if (i % 2 === 0) {
        const kp = Keypair.random()
        if (!enrolled.has(userId))
          enrolled.set(userId, await t1.client.prover.enrol(userId, new SoftAuthenticator(TEST_RP_ORIGIN)))
        const r = await t1.client.proven('accounts.import', { secret: kp.secret() }, { userId })
        held.push({
          userId,
          accountId: r.body.result?.accountId ?? '',
          publicKey: kp.publicKey(),
          secret: kp.secret(),
        })
      } else {
        const r = await t1.client.call('accounts.create', { kind: 'agent' }, { userId })
        const publicKey = r.body.result?.publicKey ?? ''
        held.push({ userId, accountId: r.body.result?.accountId ?? '', publicKey, secret: undefined })
      }
    }
    await signsWithAll(t1, held)
    await t1.stop()
    const before = await macKeyIds()
    expect(Object.keys(before)).toEqual([keyId(oldKey)])

    // A replica holding both keys serves while the rotation runs (and writes under the new key).
    const t2 = await startTestSigner({ env: testEnv({ ...base, ENCRYPTION_MASTER_KEY_NEXT: newKey }) })
    const run = rotate(oldKey, newKey, env.SERVER_SALT_SECRET)
    await signsWithAll(t2, held)
    const done = await run.exited
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toContain('done, all 12 accounts')
    await signsWithAll(t2, held.slice(0, 2))
    await t2.stop()
    expect(Object.keys(await macKeyIds())).toEqual([keyId(newKey)])

    // Run again: nothing left to do, and it says so.
    const again = await rotate(oldKey, newKey, env.SERVER_SALT_SECRET).exited
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain('0 other rows')

    const t3 = await startTestSigner({ env: { ...base, ENCRYPTION_MASTER_KEY: newKey } })
    await signsWithAll(t3, held)
    await t3.stop()
  })

  it("a row edited in the database is not re-MAC'd: reported, left, and the run fails", async () => {
    const line = await admin.query<{ request_id: string; user_id: string }>(
      'SELECT request_id, user_id FROM spending ORDER BY request_id LIMIT 1',
    )
    const victim = line.rows[0]
    expect(victim).toBeDefined()
    await admin.query('UPDATE spending SET stroops = 0 WHERE request_id = $1', [victim?.request_id])
    const count = await admin.query<{ n: string }>('SELECT count(*)::text AS n FROM user_credentials')

    const r = await rotate(newKey, thirdKey, env.SERVER_SALT_SECRET).exited
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`1 rows failed their integrity check`)
    expect(r.stderr).toContain(`spending/${victim?.user_id}/${victim?.request_id}`)

    const after = await admin.query<{ mac: string; stroops: string }>(
      'SELECT mac, stroops::text FROM spending WHERE request_id = $1',
      [victim?.request_id],
    )
    expect(after.rows[0]?.stroops).toBe('0')
    expect(after.rows[0]?.mac.startsWith(`${keyId(newKey)}.`)).toBe(true)
    // Every other row moved on: only the edited line still names the old key.
    expect(await macKeyIds()).toEqual({ [keyId(newKey)]: 1, [keyId(thirdKey)]: expect.any(Number) })
    expect(Number(count.rows[0]?.n)).toBeGreaterThan(0)
  })
})
