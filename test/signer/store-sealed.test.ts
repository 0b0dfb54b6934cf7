/**
 * The sealed store over every engine (test/support/sealed-store-cases.ts: the memory stand-in, SQLite,
 * PostgreSQL): the old stores' semantics (single-use approvals, counters only forward, live grants only, the
 * rolling window's boundary), and an engine that answers the wrong row. Tampering by the database's operator:
 * store-sealed-tamper.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { verifyChain } from '../../signer/audit/verify.ts'
import { FEE_LEDGER_KEY } from '../../signer/store/ledger.ts'
import { createStore } from '../../signer/store/sealed.ts'
import type { Engine, NewSpendingLine, RawTx } from '../../signer/store/types.ts'
import { StoreTamperedError } from '../../signer/store/types.ts'
import { createMemoryEngine } from '../support/memory-engine.ts'
import {
  account,
  ago,
  approval,
  ENGINES,
  H,
  KEYS,
  line,
  NOW,
  seededStore,
  stopSharedPostgres,
} from '../support/sealed-store-cases.ts'

afterAll(stopSharedPostgres)

describe.each(ENGINES)('sealed store over $name', (engine) => {
  const { h, tx, spent } = seededStore(engine)

  describe('semantics of the old stores', () => {
    it('accounts round-trip, scoped by user', async () => {
      await tx(async (t) => {
        expect(await t.accounts.get('u1', 'a1')).toEqual(account('u1', 'a1'))
        expect(await t.accounts.get('u2', 'a1')).toBeUndefined()
        expect(await t.accounts.existsPublicKey('u1', 'GA1')).toBe(true)
        expect(await t.accounts.existsPublicKey('u2', 'GA1')).toBe(false)
        expect((await t.accounts.list('u1')).map((a) => a.id)).toEqual(['a1', 'a2'])
        expect(await t.accounts.count('u1')).toBe(2)
      })
    })
    it('swapCiphertext re-MACs the row, and only while the ciphertext is unchanged', async () => {
      await tx(async (t) => {
        const row = account('u1', 'a1')
        expect(await t.accounts.swapCiphertext(row, 'v1:k2:new', 'k2')).toBe(true)
        expect(await t.accounts.swapCiphertext(row, 'v1:k2:again', 'k2')).toBe(false)
        expect(await t.accounts.get('u1', 'a1')).toMatchObject({ ciphertext: 'v1:k2:new', key_version: 'k2' })
        expect((await t.accounts.notUnder('k2', '', 10)).map((a) => a.id)).toEqual(['a2', 'b1'])
      })
    })
    it('approvals: decided once, used once', async () => {
      await tx(async (t) => {
        await t.approvals.insert(approval('u1', 'ap1'))
        expect(await t.approvals.pendingFor('u1', 'a1', 'h1', NOW.getTime())).toMatchObject({ id: 'ap1' })
        expect(await t.approvals.pendingCount('u1', NOW.getTime())).toBe(1)
        expect(await t.approvals.use('u1', 'ap1', 1)).toBe(false)
        expect(await t.approvals.decide('u2', 'ap1', 'pending', 'approved', 1)).toBe(false)
        expect(await t.approvals.decide('u1', 'ap1', 'pending', 'approved', 2)).toBe(true)
        expect(await t.approvals.decide('u1', 'ap1', 'pending', 'rejected', 3)).toBe(false)
        expect(await t.approvals.use('u1', 'ap1', 4)).toBe(true)
        expect(await t.approvals.use('u1', 'ap1', 5)).toBe(false)
        expect(await t.approvals.get('u1', 'ap1')).toMatchObject({
          status: 'used',
          decided_ms: 2,
          used_ms: 4,
        })
        expect(await t.approvals.list('u1', 10)).toHaveLength(1)
      })
    })
    it('passkeys: the counter only moves forward; challenges and recovery codes are single use', async () => {
      await tx(async (t) => {
        const cred = {
          id: 'c1',
          user_id: 'u1',
          public_key: 'pk',
          counter: 5,
          uv: 1 as const,
          transports: '[]',
        }
        await t.users.addCredential({ ...cred, created_at: 'x' })
        await t.users.recordUse('u1', 'c1', 9, 'at1')
        await t.users.recordUse('u1', 'c1', 3, 'at2')
        expect(await t.users.credential('u1', 'c1')).toMatchObject({ counter: 9, last_used_at: 'at2' })
        expect(await t.users.credential('u2', 'c1')).toBeUndefined()
        expect(await t.users.credentialTaken('c1')).toBe(true)
        await t.users.addChallenge({
          challenge: 'ch',
          user_id: 'u1',
          method: 'm',
          digest: 'd',
          expires_ms: 9,
        })
        expect(await t.users.useChallenge('ch', 1)).toBe(true)
        expect(await t.users.useChallenge('ch', 2)).toBe(false)
        expect(await t.users.useChallenge('nope', 2)).toBe(false)
        expect(await t.users.hasRecoveryCodes('u1')).toBe(false)
        await t.users.addRecoveryCodes('u1', ['h1', 'h2'])
        expect(await t.users.spendRecoveryCode('u1', 'h1', 1)).toBe(true)
        expect(await t.users.spendRecoveryCode('u1', 'h1', 2)).toBe(false)
        expect(await t.users.spendRecoveryCode('u2', 'h2', 2)).toBe(false)
        expect(await t.users.recoveryCodesLeft('u1')).toBe(1)
      })
    })
    it('a recovery grant is taken once, and only while live', async () => {
      await tx(async (t) => {
        await t.users.grantRecovery('u1', NOW.getTime() + 1000)
        expect(await t.users.takeRecoveryGrant('u2', NOW.getTime())).toBe(false)
        expect(await t.users.takeRecoveryGrant('u1', NOW.getTime())).toBe(true)
        expect(await t.users.takeRecoveryGrant('u1', NOW.getTime())).toBe(false)
        await t.users.grantRecovery('u1', NOW.getTime())
        expect(await t.users.takeRecoveryGrant('u1', NOW.getTime())).toBe(false)
      })
    })
    it('policies, idempotency records and the audit chain round-trip', async () => {
      await tx(async (t) => {
        await t.userPolicies.put('u1', '{"x":1}', 'at')
        expect(await t.userPolicies.get('u1')).toBe('{"x":1}')
        expect(await t.userPolicies.get('u2')).toBeUndefined()
        const req = { request_id: 'r1', fingerprint: 'f', status: 200, response: '{}', created_ms: 1 }
        await t.requests.insert(req)
        expect(await t.requests.get('r1')).toEqual(req)
        const f = { at: 'a', request_id: 'r', method: 'm', user_id: 'u1', account_id: null, tx_hash: null }
        await t.audit.append({ ...f, decision: 'allow', reason_code: null })
        const head = await t.audit.append({
          ...f,
          decision: 'deny',
          reason_code: 'ERR_POLICY_FEE',
          reason: 'no',
        })
        expect(head.seq).toBe(2)
        expect(verifyChain(await t.audit.range(0, 10))).toMatchObject({
          ok: true,
          entries: 2,
          head: head.hash,
        })
      })
    })
  })

  describe('the ledger', () => {
    const record = (...lines: NewSpendingLine[]) => tx((t) => t.spending.record(lines))
    it('counts the 24 h before now: a line exactly 24 h old no longer counts, uncounted lines never', async () => {
      await record(line('r1', ago(25 * H), 10n), line('r2', ago(24 * H), 20n))
      await record(line('r3', ago(23 * H), 30n), line('r4', ago(H), 1000n, { counts: false }))
      await record(line('r5', ago(H), 40n), line('r5', ago(H), 7n, { asset: FEE_LEDGER_KEY }))
      expect(await spent()).toEqual(
        new Map([
          ['native', 70n],
          [FEE_LEDGER_KEY, 7n],
        ]),
      )
      expect(await spent('u2')).toEqual(new Map())
      expect(await tx((t) => t.spending.alreadyCounted('u1', 'tx-r3'))).toBe(true)
      expect(await tx((t) => t.spending.alreadyCounted('u2', 'tx-r3'), 'u2')).toBe(false)
      const lines = await tx((t) => t.spending.linesOf('u1'))
      expect(lines.map((l) => l.cum)).toEqual([10n, 30n, 60n, 60n, 100n, 7n])
      expect((await h().op.rows('spending_heads', { user_id: 'u1' }))[0]).toMatchObject({ lines: 6 })
    })
    it('a user with no accounts and no head reads as nothing spent (no head is written)', async () => {
      expect(await spent('u9')).toEqual(new Map())
      expect(await h().op.rows('spending_heads', { user_id: 'u9' })).toHaveLength(0)
    })
  })
})

describe('an engine that answers the wrong row', () => {
  // The SQL's WHERE is the engine's; the sealed layer still checks that the row answers the question asked.
  const wrong = (patch: (raw: RawTx) => RawTx): Engine => {
    const inner = createMemoryEngine()
    return { ...inner, transaction: (user, fn) => inner.transaction(user, (raw) => fn(patch(raw))) }
  }
  const spend = (store: ReturnType<typeof createStore>, at: string) =>
    store.transaction('u1', (t) =>
      t.spending.record([
        {
          requestId: at,
          userId: 'u1',
          accountId: 'a1',
          day: at.slice(0, 10),
          asset: 'native',
          stroops: 5n,
          txHash: at,
          approvalId: null,
          at,
          counts: true,
        },
      ]),
    )
  it.each([
    [
      'a line after the boundary',
      (l: RawTx['spending']) => (u: string, a: string) => l.lastLineAtOrBefore(u, a, '9'),
    ],
    ['a line of another key', (l: RawTx['spending']) => (u: string) => l.lastLineAtOrBefore(u, 'fee', '9')],
  ])('boundary: %s is refused', async (_, lie) => {
    const store = createStore(
      wrong((raw) => ({ ...raw, spending: { ...raw.spending, lastLineAtOrBefore: lie(raw.spending) } })),
      KEYS,
    )
    await store.transaction('u1', (t) => t.accounts.insert(account('u1', 'a1')))
    await spend(store, ago(25 * H))
    await spend(store, ago(H))
    await store.transaction('u1', (t) =>
      t.spending.record([{ ...line('f1', ago(H), 1n), asset: FEE_LEDGER_KEY }]),
    )
    await expect(store.transaction('u1', (t) => t.spending.spentInWindow('u1', NOW))).rejects.toThrow(
      StoreTamperedError,
    )
  })
})
