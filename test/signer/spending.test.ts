/**
 * The spending ledger over the real mTLS signer: 100 concurrent tx.sign of 10 XLM against a 100 XLM daily
 * cap sign exactly 10; replays and re-signing the same transaction never count twice; and a signer killed
 * (SIGKILL) in the middle of a burst restarts with a ledger that agrees with its audit log.
 */
import { randomUUID } from 'node:crypto'
import { Keypair } from '@stellar/stellar-sdk/base'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbPath } from '../../signer/store/sqlite/db.ts'
import { listeningLine, runChild } from './child.ts'
import {
  createClient,
  guardAgainstLeaks,
  startTestSigner,
  type TestSigner,
  testEnv,
  testPki,
} from './helpers.ts'
import { buildTx, pay, randomKey } from './policy-fixtures.ts'

guardAgainstLeaks()

const POLICY = JSON.stringify({ assets: [{ asset: 'native', perTx: '10', daily: '100' }] })
const DEST = randomKey()
const nowS = () => Math.floor(Date.now() / 1000)
const tenXlm = (source: string) =>
  buildTx({ source, ops: [pay(DEST, '10')], maxTime: nowS() + 240 })
    .toEnvelope()
    .toXDR('base64')

type Spent = { spentToday: string }
const spentNative = async (t: TestSigner): Promise<string> => {
  const r = await t.client.call('policy.get', {})
  const body = r.body as unknown as { result: { assets: Record<string, Spent> } }
  return body.result.assets.native?.spentToday ?? '?'
}

describe('daily cap under concurrency', () => {
  let t: TestSigner
  let accountId: string
  let kp: Keypair
  beforeAll(async () => {
    t = await startTestSigner({ env: testEnv({ SIGNER_POLICY_DEFAULTS: POLICY }) })
    kp = Keypair.random()
    accountId =
      (await t.client.proven('accounts.import', { secret: kp.secret() })).body.result?.accountId ?? ''
  })
  afterAll(async () => {
    await t.stop()
  })

  it('100 concurrent 10 XLM requests against 100 XLM/day: exactly 10 signed', async () => {
    const xdrs = Array.from({ length: 100 }, () => tenXlm(kp.publicKey()))
    const replies = await Promise.all(xdrs.map((xdr) => t.client.call('tx.sign', { accountId, xdr })))
    const signed = replies.filter((r) => r.status === 200)
    expect(signed).toHaveLength(10)
    const codes = new Set(replies.filter((r) => r.status !== 200).map((r) => r.body.error?.code))
    expect([...codes]).toEqual(['ERR_POLICY_DAILY_CAP'])
    expect(await spentNative(t)).toBe('100')
  })

  it('a replayed requestId returns the first answer and does not count again', async () => {
    // A fresh user so the cap has room.
    const user = `u_${randomUUID()}`
    const k = Keypair.random()
    const acc = (await t.client.proven('accounts.import', { secret: k.secret() }, { userId: user })).body
      .result
    const requestId = `req_${randomUUID()}`
    const xdr = tenXlm(k.publicKey())
    const first = await t.client.call(
      'tx.sign',
      { accountId: acc?.accountId, xdr },
      { userId: user, requestId },
    )
    const again = await t.client.call(
      'tx.sign',
      { accountId: acc?.accountId, xdr },
      { userId: user, requestId },
    )
    expect(first.status).toBe(200)
    expect(again.body).toEqual(first.body)
    // The same transaction under a new requestId signs again (same hash) but is not counted twice.
    const resign = await t.client.call('tx.sign', { accountId: acc?.accountId, xdr }, { userId: user })
    expect(resign.status).toBe(200)
    const r = await t.client.call('policy.get', {}, { userId: user })
    const body = r.body as unknown as { result: { assets: Record<string, Spent> } }
    expect(body.result.assets.native?.spentToday).toBe('10')
  })

  it('denials are in the audit log with their reason code and the tx hash', async () => {
    const entries = (await t.client.call('audit.list', { limit: 500 })).body.result?.entries ?? []
    const denied = entries.filter((e) => e.method === 'tx.sign' && e.decision === 'deny')
    expect(denied.length).toBeGreaterThanOrEqual(90)
    expect(
      denied.every((e) => e.reasonCode === 'ERR_POLICY_DAILY_CAP' && /^[0-9a-f]{64}$/.test(e.txHash ?? '')),
    ).toBe(true)
  })
})

describe('restart in the middle of a burst', () => {
  it('after SIGKILL the ledger agrees with the audit log', async () => {
    const env = testEnv({
      SIGNER_POLICY_DEFAULTS: JSON.stringify({ assets: [{ asset: 'native', perTx: '10', daily: '100000' }] }),
    })
    const { pki } = testPki()
    const creds = { cert: pki.clientCert, key: pki.clientKey }
    let child = runChild('signer/main.ts', env)
    let port = listeningLine(await child.waitFor('signer listening')).port
    let client = createClient(port, creds)
    const kp = Keypair.random()
    const accountId =
      (await client.proven('accounts.import', { secret: kp.secret() })).body.result?.accountId ?? ''
    // Fire a burst and kill the process while it is being served.
    const burst = Array.from({ length: 300 }, () =>
      client.call('tx.sign', { accountId, xdr: tenXlm(kp.publicKey()) }).catch(() => undefined),
    )
    await new Promise((r) => setTimeout(r, 40))
    child.proc.kill('SIGKILL')
    const answered = (await Promise.all(burst)).filter((r) => r?.status === 200).length
    await child.exited
    client.close()
    // The kill really landed mid-burst: some requests never got an answer.
    expect(answered).toBeLessThan(burst.length)

    child = runChild('signer/main.ts', env)
    port = listeningLine(await child.waitFor('signer listening')).port
    client = createClient(port, creds)
    // The signer works after the restart and keeps counting from where the ledger stood.
    const after = await client.call('tx.sign', { accountId, xdr: tenXlm(kp.publicKey()) })
    expect(after.status).toBe(200)
    client.close()
    child.proc.kill('SIGTERM')
    await child.exited

    const db = new Database(dbPath(env.SIGNER_DATA_DIR ?? ''), { readonly: true })
    const allowed = db
      .prepare("SELECT tx_hash FROM audit WHERE method = 'tx.sign' AND decision = 'allow' ORDER BY seq")
      .all() as { tx_hash: string }[]
    // Payments only: every signed transaction also has its fee line (asset 'fee'), checked below.
    const lines = db
      .prepare("SELECT tx_hash, stroops FROM spending WHERE asset = 'native' ORDER BY rowid")
      .all() as { tx_hash: string; stroops: number }[]
    const fees = db.prepare("SELECT tx_hash FROM spending WHERE asset = 'fee' ORDER BY rowid").all() as {
      tx_hash: string
    }[]
    const total = db.prepare("SELECT SUM(stroops) AS s FROM spending_days WHERE asset = 'native'").get() as {
      s: number
    }
    db.close()
    // Every signature the log records was counted, nothing was counted that the log does not record, and
    // every answer a client got is in both (an answer is only sent after the commit).
    expect(lines.map((l) => l.tx_hash).sort()).toEqual(allowed.map((a) => a.tx_hash).sort())
    expect(fees.map((l) => l.tx_hash).sort()).toEqual(allowed.map((a) => a.tx_hash).sort())
    expect(total.s).toBe(lines.reduce((s, l) => s + l.stroops, 0))
    expect(allowed.length).toBeGreaterThanOrEqual(answered + 1)
    expect(total.s).toBe(allowed.length * 10 * 1e7)
  }, 60_000)
})
