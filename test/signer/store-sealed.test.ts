/**
 * The sealed store over an engine: the old stores' semantics (single-use approvals, counters only forward,
 * live grants only, the rolling window's boundary), then an operator editing the database behind the
 * signer's back — every edit a decision would rely on is StoreTamperedError, logged, never a zero.
 * Engines: the memory stand-in (test/support/memory-engine.ts) and the SQLite engine (its operator is a
 * second connection to the file, test/support/sqlite-operator.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifyChain } from '../../signer/audit/verify.ts'
import { keyIdOf } from '../../signer/secrets.ts'
import { FEE_LEDGER_KEY } from '../../signer/store/ledger.ts'
import { deriveRowKeys, macRow } from '../../signer/store/row-mac.ts'
import { RECOVERY_GRANTS } from '../../signer/store/row-tables.ts'
import { createStore } from '../../signer/store/sealed.ts'
import { adoptLegacyRows } from '../../signer/store/sqlite/adopt.ts'
import { dbPath } from '../../signer/store/sqlite/db.ts'
import { openSqliteEngine } from '../../signer/store/sqlite/engine.ts'
import type { AccountRow, ApprovalRow, Engine, NewSpendingLine, RawTx, Tx } from '../../signer/store/types.ts'
import { StoreTamperedError } from '../../signer/store/types.ts'
import { createMemoryEngine } from '../support/memory-engine.ts'
import { sqliteOperator } from '../support/sqlite-operator.ts'
import { type EngineCase, type Harness, memoryOperator } from '../support/store-operator.ts'

const MASTER = new Uint8Array(32).map((_, i) => 7 + i)
const KEYS = deriveRowKeys({
  sealing: { id: keyIdOf(MASTER), bytes: MASTER },
  keys: new Map([[keyIdOf(MASTER), { id: keyIdOf(MASTER), bytes: MASTER }]]),
})
const NOW = new Date('2026-01-02T00:00:00.000Z')
const H = 3_600_000
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString()

const ENGINES: EngineCase[] = [
  {
    name: 'memory stand-in',
    async open() {
      const engine = createMemoryEngine()
      return {
        store: createStore(engine, KEYS, LOG),
        op: memoryOperator(engine),
        close: async () => undefined,
      }
    },
  },
  {
    name: 'SQLite engine',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'tuxedo-sealed-'))
      const engine = openSqliteEngine(dir, {
        adoptLegacy: (db) => void adoptLegacyRows(db, KEYS),
        checkpointer: false,
      })
      const op = sqliteOperator(dbPath(dir))
      return {
        store: createStore(engine, KEYS, LOG),
        op,
        async close() {
          op.close()
          await engine.close()
          rmSync(dir, { recursive: true, force: true })
        },
      }
    },
  },
]

const logged: object[] = []
const LOG = { error: (obj: object) => void logged.push(obj) }

const account = (user: string, id: string, pk = `G${id.toUpperCase()}`): AccountRow => ({
  id,
  user_id: user,
  public_key: pk,
  kind: 'agent',
  name: null,
  ciphertext: `v1:k:${id}`,
  key_version: 'k',
  created_at: '2026-01-01T00:00:00.000Z',
})
const approval = (user: string, id: string, status: ApprovalRow['status'] = 'pending'): ApprovalRow => ({
  id,
  user_id: user,
  account_id: 'a1',
  tx_hash: 'h1',
  xdr: 'AAAA',
  amounts: '{"native":"100"}',
  reason: 'above the approval threshold',
  preview: null,
  status,
  counts_daily: 1,
  created_ms: NOW.getTime() - 1000,
  expires_ms: NOW.getTime() + H,
  decided_ms: null,
  used_ms: null,
})
const line = (
  req: string,
  at: string,
  stroops: bigint,
  o: Partial<NewSpendingLine> = {},
): NewSpendingLine => ({
  requestId: req,
  userId: 'u1',
  accountId: 'a1',
  day: at.slice(0, 10),
  asset: 'native',
  stroops,
  txHash: `tx-${req}`,
  approvalId: null,
  at,
  counts: true,
  ...o,
})

describe.each(ENGINES)('sealed store over $name', (engine) => {
  let h: Harness
  const tx = <T>(fn: (t: Tx) => Promise<T>, user = 'u1') => h.store.transaction(user, fn)
  const spent = (user = 'u1') => tx((t) => t.spending.spentInWindow(user, NOW), user)

  beforeEach(async () => {
    h = await engine.open()
    logged.length = 0
    await tx(async (t) => {
      await t.accounts.insert(account('u1', 'a1'))
      await t.accounts.insert(account('u1', 'a2'))
    })
    await tx((t) => t.accounts.insert(account('u2', 'b1')), 'u2')
  })
  afterEach(() => h.close())

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
      expect(h.op.rows('spending_heads', { user_id: 'u1' })[0]).toMatchObject({ lines: 6 })
    })
    it('a user with no accounts and no head reads as nothing spent (no head is written)', async () => {
      expect(await spent('u9')).toEqual(new Map())
      expect(h.op.rows('spending_heads', { user_id: 'u9' })).toHaveLength(0)
    })
  })

  describe('an operator editing the database', () => {
    const record = (...lines: NewSpendingLine[]) => tx((t) => t.spending.record(lines))
    const refused = async (p: Promise<unknown>, table: string) => {
      await expect(p).rejects.toThrow(StoreTamperedError)
      await p.catch((e: unknown) => expect(e).toMatchObject({ table }))
      expect(logged).toContainEqual(expect.objectContaining({ table }))
    }
    // The window: r1 before it (10), r2 its boundary (exactly 24 h old: 20), r3 and r4 inside (30, 40).
    const ledger = async () => {
      await record(line('r1', ago(25 * H), 10n))
      await record(line('r2', ago(24 * H), 20n))
      await record(line('r3', ago(23 * H), 30n))
      await record(line('r4', ago(H), 40n))
      expect(await spent()).toEqual(new Map([['native', 70n]]))
    }

    it('a boundary line set to zero (stroops and cum) is refused', async () => {
      await ledger()
      h.op.update('spending', { request_id: 'r2#native' }, { stroops: 0n, cum: 0n })
      await refused(spent(), 'spending')
    })
    it('a line inside the window set to zero changes nothing, and any read of it is refused', async () => {
      await ledger()
      h.op.update('spending', { request_id: 'r3#native' }, { stroops: 0n, cum: 0n })
      expect(await spent()).toEqual(new Map([['native', 70n]]))
      await refused(
        tx((t) => t.spending.alreadyCounted('u1', 'tx-r3')),
        'spending',
      )
      await refused(
        tx((t) => t.spending.linesOf('u1')),
        'spending',
      )
    })
    it('a line inside the window deleted changes nothing', async () => {
      await ledger()
      expect(h.op.remove('spending', { request_id: 'r4#native' })).toBe(1)
      expect(await spent()).toEqual(new Map([['native', 70n]]))
    })
    it('the boundary line deleted makes the total larger, never smaller', async () => {
      await ledger()
      h.op.remove('spending', { request_id: 'r2#native' })
      expect(await spent()).toEqual(new Map([['native', 90n]]))
      h.op.remove('spending', { user_id: 'u1' })
      expect(await spent()).toEqual(new Map([['native', 100n]]))
    })
    it('a line moved back onto the window boundary is refused', async () => {
      await ledger()
      h.op.update('spending', { request_id: 'r3#native' }, { at: ago(24 * H) })
      await refused(spent(), 'spending')
    })
    it('a line moved back past the boundary is refused (it is then the newest line at or before it)', async () => {
      await ledger()
      h.op.update('spending', { request_id: 'r3#native' }, { at: ago(24 * H + 1) })
      await refused(spent(), 'spending')
    })
    it('the head deleted while the user has accounts is refused (reading, recording, a new account)', async () => {
      await ledger()
      h.op.remove('spending_heads', { user_id: 'u1' })
      await refused(spent(), 'spending_heads')
      await refused(record(line('r9', ago(1), 1n)), 'spending_heads')
      await refused(
        tx((t) => t.accounts.insert(account('u1', 'a3'))),
        'spending_heads',
      )
    })
    it('a head deleted for a user whose accounts are gone but lines remain is refused', async () => {
      await ledger()
      h.op.remove('spending_heads', { user_id: 'u1' })
      h.op.remove('accounts', { user_id: 'u1' })
      await refused(
        tx((t) => t.accounts.insert(account('u1', 'a3'))),
        'spending_heads',
      )
    })
    it.each([
      ['a total lowered', { totals: { native: '0' } }],
      ['a key dropped', { totals: {} }],
      ['the line count changed', { lines: 0 }],
      ['its MAC emptied', { mac: '' }],
    ])('a head with %s is refused', async (_, set) => {
      await ledger()
      h.op.update('spending_heads', { user_id: 'u1' }, set)
      await refused(spent(), 'spending_heads')
    })
    it("another user's head copied over the user's is refused", async () => {
      await ledger()
      await tx((t) => t.spending.record([line('x1', ago(H), 1n, { userId: 'u2', accountId: 'b1' })]), 'u2')
      const other = h.op.rows('spending_heads', { user_id: 'u2' })[0]
      h.op.update('spending_heads', { user_id: 'u1' }, { ...other, user_id: 'u1' })
      await refused(spent(), 'spending_heads')
    })
    it('a head restored from an older copy: refused when a later line is at or before the boundary', async () => {
      await record(line('r1', ago(25 * H), 10n))
      const old = h.op.rows('spending_heads', { user_id: 'u1' })[0]
      await record(line('r2', ago(25 * H), 20n))
      h.op.update('spending_heads', { user_id: 'u1' }, { ...old })
      await refused(spent(), 'spending_heads')
    })
    it('a head restored from an older copy with only in-window lines after it lowers the total (the residual)', async () => {
      await record(line('r1', ago(25 * H), 10n))
      const old = h.op.rows('spending_heads', { user_id: 'u1' })[0]
      await record(line('r2', ago(H), 20n))
      h.op.update('spending_heads', { user_id: 'u1' }, { ...old })
      // docs/threat-model.md › The signer's database: caught by the edge's audit-head check, not here.
      expect(await spent()).toEqual(new Map())
    })
    it("a line planted from another user's is refused when counted", async () => {
      await tx((t) => t.spending.record([line('x1', ago(H), 5n, { userId: 'u2', accountId: 'b1' })]), 'u2')
      const other = h.op.rows('spending', { user_id: 'u2' })[0]
      h.op.insert('spending', { ...other, request_id: 'x1#planted', user_id: 'u1' })
      await refused(
        tx((t) => t.spending.alreadyCounted('u1', 'tx-x1')),
        'spending',
      )
    })

    it('a used approval set back to approved is refused, and stays unused', async () => {
      await tx(async (t) => {
        await t.approvals.insert(approval('u1', 'ap1'))
        await t.approvals.decide('u1', 'ap1', 'pending', 'approved', 1)
        expect(await t.approvals.use('u1', 'ap1', 2)).toBe(true)
      })
      h.op.update('approvals', { id: 'ap1' }, { status: 'approved', used_ms: null })
      await refused(
        tx((t) => t.approvals.use('u1', 'ap1', 3)),
        'approvals',
      )
      expect(h.op.rows('approvals', { id: 'ap1' })[0]).toMatchObject({ status: 'approved', used_ms: null })
    })
    it.each([
      ['moved from another user', { user_id: 'u1' }, 'u2'],
      ['with its amounts lowered', { amounts: '{"native":"1"}' }, 'u1'],
      ['with its counts_daily cleared (exempt from the caps)', { counts_daily: 0 }, 'u1'],
      ['with its expiry extended', { expires_ms: NOW.getTime() + 100 * H }, 'u1'],
    ])('an approval %s is refused', async (_, set, owner) => {
      await tx((t) => t.approvals.insert(approval(owner, 'ap1')), owner)
      h.op.update('approvals', { id: 'ap1' }, set)
      await refused(
        tx((t) => t.approvals.pendingFor('u1', 'a1', 'h1', NOW.getTime())),
        'approvals',
      )
      await refused(
        tx((t) => t.approvals.list('u1', 10)),
        'approvals',
      )
    })

    const cred = { id: 'c1', public_key: 'pk', counter: 5, uv: 1 as const, transports: '[]', created_at: 'x' }
    it('a passkey planted for another user (moved from its owner) is refused', async () => {
      await tx((t) => t.users.addCredential({ ...cred, user_id: 'u2' }), 'u2')
      h.op.update('user_credentials', { id: 'c1' }, { user_id: 'u1' })
      await refused(
        tx((t) => t.users.credential('u1', 'c1')),
        'user_credentials',
      )
      await refused(
        tx((t) => t.users.credentials('u1')),
        'user_credentials',
      )
    })
    it.each([
      ['its counter rolled back (a cloned authenticator)', { counter: 0 }],
      ['its public key swapped', { public_key: 'attacker' }],
      ['UV set after registration', { uv: 1 }],
      ['no MAC', { mac: null }],
    ])('a passkey with %s is refused', async (_, set) => {
      await tx((t) => t.users.addCredential({ ...cred, user_id: 'u1', uv: 0 as never }))
      h.op.update('user_credentials', { id: 'c1' }, set)
      await refused(
        tx((t) => t.users.recordUse('u1', 'c1', 6, 'at')),
        'user_credentials',
      )
    })
    it('a used challenge reset is refused', async () => {
      await tx(async (t) => {
        await t.users.addChallenge({
          challenge: 'ch',
          user_id: 'u1',
          method: 'm',
          digest: 'd',
          expires_ms: 9,
        })
        await t.users.useChallenge('ch', 1)
      })
      h.op.update('user_challenges', { challenge: 'ch' }, { used_ms: null })
      await refused(
        tx((t) => t.users.useChallenge('ch', 2)),
        'user_challenges',
      )
    })
    it('a used recovery code reset is refused', async () => {
      await tx(async (t) => {
        await t.users.addRecoveryCodes('u1', ['h1', 'h2'])
        await t.users.spendRecoveryCode('u1', 'h1', 1)
      })
      h.op.update('user_recovery_codes', { code_hash: 'h1' }, { used_ms: null })
      await refused(
        tx((t) => t.users.spendRecoveryCode('u1', 'h1', 2)),
        'user_recovery_codes',
      )
      await refused(
        tx((t) => t.users.recoveryCodesLeft('u1')),
        'user_recovery_codes',
      )
    })
    it.each([
      ['without a MAC', () => ({ user_id: 'u1', expires_ms: NOW.getTime() + H, mac: null })],
      [
        'under a made-up MAC',
        () => ({ user_id: 'u1', expires_ms: NOW.getTime() + H, mac: `${KEYS.sealingId}.${'A'.repeat(43)}` }),
      ],
      [
        "with another user's MAC",
        () => ({
          user_id: 'u1',
          expires_ms: NOW.getTime() + H,
          mac: macRow(KEYS, RECOVERY_GRANTS.name, RECOVERY_GRANTS.columns, {
            user_id: 'u2',
            expires_ms: NOW.getTime() + H,
          }),
        }),
      ],
      [
        'from an old grant of the user, its expiry extended',
        () => ({
          user_id: 'u1',
          expires_ms: NOW.getTime() + H,
          mac: macRow(KEYS, RECOVERY_GRANTS.name, RECOVERY_GRANTS.columns, { user_id: 'u1', expires_ms: 1 }),
        }),
      ],
    ])('a recovery grant planted %s is refused', async (_, row) => {
      h.op.insert('user_recovery_grants', row())
      await refused(
        tx((t) => t.users.takeRecoveryGrant('u1', NOW.getTime())),
        'user_recovery_grants',
      )
    })

    it.each([
      ["another account's ciphertext swapped in", { ciphertext: 'v1:k:a2' }],
      ['its public key swapped', { public_key: 'GATTACKER' }],
      ['kind changed from agent to user', { kind: 'user' }],
    ])('an account with %s is refused', async (_, set) => {
      h.op.update('accounts', { id: 'a1' }, set)
      await refused(
        tx((t) => t.accounts.get('u1', 'a1')),
        'accounts',
      )
      await refused(
        tx((t) => t.accounts.list('u1')),
        'accounts',
      )
    })
    it('an account moved to another user is refused as theirs', async () => {
      h.op.update('accounts', { id: 'a1' }, { user_id: 'u2' })
      await refused(
        tx((t) => t.accounts.get('u2', 'a1'), 'u2'),
        'accounts',
      )
    })
    it('a stricter user policy edited is refused', async () => {
      await tx((t) => t.userPolicies.put('u1', '{"cap":"1"}', 'at'))
      h.op.update('user_policies', { user_id: 'u1' }, { policy: '{"cap":"1000000"}' })
      await refused(
        tx((t) => t.userPolicies.get('u1')),
        'user_policies',
      )
    })
    it("a stored answer edited is refused (never replayed as the signer's)", async () => {
      await tx((t) =>
        t.requests.insert({
          request_id: 'r1',
          fingerprint: 'f',
          status: 200,
          response: '{"ok":1}',
          created_ms: 1,
        }),
      )
      h.op.update('requests', { request_id: 'r1' }, { response: '{"ok":2}' })
      await refused(
        tx((t) => t.requests.get('r1')),
        'requests',
      )
    })
    it('a refusal aborts the whole transaction: nothing of the request is written', async () => {
      await ledger()
      h.op.update('spending', { request_id: 'r2#native' }, { stroops: 0n })
      await refused(
        tx(async (t) => {
          await t.requests.insert({
            request_id: 'rx',
            fingerprint: 'f',
            status: 200,
            response: null,
            created_ms: 1,
          })
          return t.spending.spentInWindow('u1', NOW)
        }),
        'spending',
      )
      expect(h.op.rows('requests', { request_id: 'rx' })).toHaveLength(0)
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
