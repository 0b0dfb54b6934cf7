/**
 * The hash-chained audit log: entries for allowed and denied work, per-user listing, append-only triggers,
 * and `npm run signer:verify-audit` naming the first broken entry after an edit or a delete.
 */
import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Keypair } from '@stellar/stellar-sdk/base'
import Database from 'better-sqlite3'
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyChain } from '../../signer/audit/verify.ts'
import { dbPath } from '../../signer/store/sqlite/db.ts'
import type { AuditRow } from '../../signer/store/types.ts'
import { runChild } from './child.ts'
import { guardAgainstLeaks, startTestSigner } from './helpers.ts'
import { paymentXdr } from './tx-fixtures.ts'

guardAgainstLeaks()

let dataDir = ''
let rows: AuditRow[] = []

beforeAll(async () => {
  const t = await startTestSigner()
  dataDir = t.env.SIGNER_DATA_DIR ?? ''
  const kp = Keypair.random()
  const imp = await t.client.proven('accounts.import', { secret: kp.secret() }, { userId: 'user_a' })
  const accountId = imp.body.result?.accountId
  await t.client.call('tx.sign', { accountId, xdr: paymentXdr(kp.publicKey()) }, { userId: 'user_a' })
  await t.client.call(
    'tx.sign',
    { accountId, xdr: paymentXdr(Keypair.random().publicKey()) },
    { userId: 'user_a' },
  )
  await t.client.call('accounts.create', { kind: 'agent' }, { userId: 'user_b' })
  await t.client.call('accounts.get', { accountId }, { userId: 'user_b' })
  const listA = await t.client.call('audit.list', {}, { userId: 'user_a' })
  const entries = listA.body.result?.entries ?? []
  expect(entries.map((e) => [e.method, e.decision, e.reasonCode])).toEqual([
    ['tx.sign', 'deny', 'ERR_TX_SOURCE_MISMATCH'],
    ['tx.sign', 'allow', null],
    ['accounts.import', 'allow', null],
    ['user.challenge', 'allow', null],
    ['users.register', 'allow', null],
  ])
  expect(entries[1]?.txHash).toMatch(/^[0-9a-f]{64}$/)
  // The refusal keeps its reason in words; successes have none.
  expect(entries.map((e) => e.reason)).toEqual([
    'account is not a source of this transaction',
    null,
    null,
    null,
    null,
  ])
  // User B's view holds only B's entries, including the refused look at A's account.
  const listB = await t.client.call('audit.list', {}, { userId: 'user_b' })
  expect(listB.body.result?.entries.map((e) => [e.method, e.reasonCode])).toEqual([
    ['accounts.get', 'ERR_ACCOUNT_NOT_FOUND'],
    ['accounts.create', null],
  ])
  await t.stop()
  const db = new Database(dbPath(dataDir), { readonly: true })
  rows = db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq').all()
  db.close()
})

function tamperedCopy(sql: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tuxedo-audit-'))
  copyFileSync(dbPath(dataDir), dbPath(dir))
  const db = new Database(dbPath(dir))
  // An attacker with the file bypasses the triggers; the chain must still notice.
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;')
  db.exec(sql)
  db.close()
  return dir
}

describe('audit chain', () => {
  it('verifies intact', () => {
    expect(verifyChain(rows)).toMatchObject({ ok: true, entries: rows.length })
  })

  it.each([
    [
      'an edited decision',
      // seq 5 is user_a's refused tx.sign (1–3: passkey registration, challenge, proven import).
      (r: AuditRow[]) => r.map((x) => (x.seq === 5 ? { ...x, decision: 'allow' as const } : x)),
      5,
    ],
    [
      'an edited tx hash',
      (r: AuditRow[]) => r.map((x) => (x.seq === 2 ? { ...x, tx_hash: '0'.repeat(64) } : x)),
      2,
    ],
    ['an edited user', (r: AuditRow[]) => r.map((x) => (x.seq === 1 ? { ...x, user_id: 'user_z' } : x)), 1],
    [
      'an edited refusal reason',
      (r: AuditRow[]) => r.map((x) => (x.seq === 5 ? { ...x, reason: 'nothing happened' } : x)),
      5,
    ],
    [
      'a dropped refusal reason',
      (r: AuditRow[]) => r.map((x) => (x.seq === 5 ? { ...x, reason: null } : x)),
      5,
    ],
    ['a deleted row', (r: AuditRow[]) => r.filter((x) => x.seq !== 2), 3],
    ['swapped rows', (r: AuditRow[]) => [r[1], r[0], ...r.slice(2)].filter((x) => x !== undefined), 2],
    [
      'a recomputed hash without relinking',
      (r: AuditRow[]) => r.map((x) => (x.seq === 2 ? { ...x, hash: 'f'.repeat(64) } : x)),
      2,
    ],
  ])('detects %s', (_name, tamper, brokenSeq) => {
    const result = verifyChain(tamper(rows))
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.brokenSeq).toBe(brokenSeq)
  })

  it('refuses UPDATE and DELETE through SQL (append-only triggers)', () => {
    const db = new Database(dbPath(dataDir))
    expect(() => db.exec("UPDATE audit SET decision = 'allow' WHERE seq = 3")).toThrow(/append-only/)
    expect(() => db.exec('DELETE FROM audit WHERE seq = 1')).toThrow(/append-only/)
    db.close()
  })
})

describe('npm run signer:verify-audit', () => {
  it('reports an intact chain', async () => {
    const r = await runChild('signer/cli/verify-audit.ts', { SIGNER_DATA_DIR: dataDir }).exited
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`intact: ${rows.length} entries`)
  })
  it.each([
    ['edited', "UPDATE audit SET reason_code = NULL, decision = 'allow' WHERE seq = 5", 5],
    ['deleted', 'DELETE FROM audit WHERE seq = 2', 3],
  ])('names the first broken entry after a row is %s', async (_name, sql, seq) => {
    const r = await runChild('signer/cli/verify-audit.ts', { SIGNER_DATA_DIR: tamperedCopy(sql) }).exited
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`BROKEN at entry ${seq}`)
  })
  it('fails when there is no database', async () => {
    const r = await runChild('signer/cli/verify-audit.ts', {
      SIGNER_DATA_DIR: mkdtempSync(join(tmpdir(), 'empty-')),
    }).exited
    expect(r.code).toBe(2)
  })
})
