/**
 * The database's operator editing rows behind the signer's back, on every engine (the memory stand-in,
 * SQLite, PostgreSQL: test/support/sealed-store-cases.ts): every edit a decision would rely on is
 * StoreTamperedError, logged, never a zero; a refusal aborts the whole transaction.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { macRow } from '../../signer/store/row-mac.ts'
import { RECOVERY_GRANTS } from '../../signer/store/row-tables.ts'
import type { NewSpendingLine } from '../../signer/store/types.ts'
import { StoreTamperedError } from '../../signer/store/types.ts'
import {
  account,
  ago,
  approval,
  ENGINES,
  H,
  KEYS,
  line,
  logged,
  NOW,
  seededStore,
  stopSharedPostgres,
} from '../support/sealed-store-cases.ts'

afterAll(stopSharedPostgres)

describe.each(ENGINES)('sealed store over $name', (engine) => {
  const { h, tx, spent } = seededStore(engine)

  describe('an operator editing the database', () => {
    const record = (...lines: NewSpendingLine[]) => tx((t) => t.spending.record(lines))
    // PostgreSQL's schema refuses a row without a MAC before the signer ever reads one: the edit never lands.
    const macRefused = (write: Promise<unknown>) =>
      expect(write).rejects.toThrow(/violates not-null constraint/)
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
      await h().op.update('spending', { request_id: 'r2#native' }, { stroops: 0n, cum: 0n })
      await refused(spent(), 'spending')
    })
    it('a line inside the window set to zero changes nothing, and any read of it is refused', async () => {
      await ledger()
      await h().op.update('spending', { request_id: 'r3#native' }, { stroops: 0n, cum: 0n })
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
      expect(await h().op.remove('spending', { request_id: 'r4#native' })).toBe(1)
      expect(await spent()).toEqual(new Map([['native', 70n]]))
    })
    it('the boundary line deleted makes the total larger, never smaller', async () => {
      await ledger()
      await h().op.remove('spending', { request_id: 'r2#native' })
      expect(await spent()).toEqual(new Map([['native', 90n]]))
      await h().op.remove('spending', { user_id: 'u1' })
      expect(await spent()).toEqual(new Map([['native', 100n]]))
    })
    it('a line moved back onto the window boundary is refused', async () => {
      await ledger()
      await h().op.update('spending', { request_id: 'r3#native' }, { at: ago(24 * H) })
      await refused(spent(), 'spending')
    })
    it('a line moved back past the boundary is refused (it is then the newest line at or before it)', async () => {
      await ledger()
      await h().op.update('spending', { request_id: 'r3#native' }, { at: ago(24 * H + 1) })
      await refused(spent(), 'spending')
    })
    it('the head deleted while the user has accounts is refused (reading, recording, a new account)', async () => {
      await ledger()
      await h().op.remove('spending_heads', { user_id: 'u1' })
      await refused(spent(), 'spending_heads')
      await refused(record(line('r9', ago(1), 1n)), 'spending_heads')
      await refused(
        tx((t) => t.accounts.insert(account('u1', 'a3'))),
        'spending_heads',
      )
    })
    it('a head deleted for a user whose accounts are gone but lines remain is refused', async () => {
      await ledger()
      await h().op.remove('spending_heads', { user_id: 'u1' })
      await h().op.remove('accounts', { user_id: 'u1' })
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
      await h().op.update('spending_heads', { user_id: 'u1' }, set)
      await refused(spent(), 'spending_heads')
    })
    it("another user's head copied over the user's is refused", async () => {
      await ledger()
      await tx((t) => t.spending.record([line('x1', ago(H), 1n, { userId: 'u2', accountId: 'b1' })]), 'u2')
      const other = (await h().op.rows('spending_heads', { user_id: 'u2' }))[0]
      await h().op.update('spending_heads', { user_id: 'u1' }, { ...other, user_id: 'u1' })
      await refused(spent(), 'spending_heads')
    })
    it('a head restored from an older copy: refused when a later line is at or before the boundary', async () => {
      await record(line('r1', ago(25 * H), 10n))
      const old = (await h().op.rows('spending_heads', { user_id: 'u1' }))[0]
      await record(line('r2', ago(25 * H), 20n))
      await h().op.update('spending_heads', { user_id: 'u1' }, { ...old })
      await refused(spent(), 'spending_heads')
    })
    it('a head restored from an older copy with only in-window lines after it lowers the total (the residual)', async () => {
      await record(line('r1', ago(25 * H), 10n))
      const old = (await h().op.rows('spending_heads', { user_id: 'u1' }))[0]
      await record(line('r2', ago(H), 20n))
      await h().op.update('spending_heads', { user_id: 'u1' }, { ...old })
      // docs/threat-model.md › The signer's database: caught by the edge's audit-head check, not here.
      expect(await spent()).toEqual(new Map())
    })
    it("a line planted from another user's is refused when counted", async () => {
      await tx((t) => t.spending.record([line('x1', ago(H), 5n, { userId: 'u2', accountId: 'b1' })]), 'u2')
      const other = (await h().op.rows('spending', { user_id: 'u2' }))[0]
      await h().op.insert('spending', { ...other, request_id: 'x1#planted', user_id: 'u1' })
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
      await h().op.update('approvals', { id: 'ap1' }, { status: 'approved', used_ms: null })
      await refused(
        tx((t) => t.approvals.use('u1', 'ap1', 3)),
        'approvals',
      )
      expect((await h().op.rows('approvals', { id: 'ap1' }))[0]).toMatchObject({
        status: 'approved',
        used_ms: null,
      })
    })
    it.each([
      ['moved from another user', { user_id: 'u1' }, 'u2'],
      ['with its amounts lowered', { amounts: '{"native":"1"}' }, 'u1'],
      ['with its counts_daily cleared (exempt from the caps)', { counts_daily: 0 }, 'u1'],
      ['with its expiry extended', { expires_ms: NOW.getTime() + 100 * H }, 'u1'],
    ])('an approval %s is refused', async (_, set, owner) => {
      await tx((t) => t.approvals.insert(approval(owner, 'ap1')), owner)
      await h().op.update('approvals', { id: 'ap1' }, set)
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
      await h().op.update('user_credentials', { id: 'c1' }, { user_id: 'u1' })
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
      const write = h().op.update('user_credentials', { id: 'c1' }, set)
      if ('mac' in set && engine.macRequired) return macRefused(write)
      await write
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
      await h().op.update('user_challenges', { challenge: 'ch' }, { used_ms: null })
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
      await h().op.update('user_recovery_codes', { code_hash: 'h1' }, { used_ms: null })
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
      const planted = row()
      const write = h().op.insert('user_recovery_grants', planted)
      if (planted.mac === null && engine.macRequired) return macRefused(write)
      await write
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
      await h().op.update('accounts', { id: 'a1' }, set)
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
      await h().op.update('accounts', { id: 'a1' }, { user_id: 'u2' })
      await refused(
        tx((t) => t.accounts.get('u2', 'a1'), 'u2'),
        'accounts',
      )
    })
    it('a stricter user policy edited is refused', async () => {
      await tx((t) => t.userPolicies.put('u1', '{"cap":"1"}', 'at'))
      await h().op.update('user_policies', { user_id: 'u1' }, { policy: '{"cap":"1000000"}' })
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
      await h().op.update('requests', { request_id: 'r1' }, { response: '{"ok":2}' })
      await refused(
        tx((t) => t.requests.get('r1')),
        'requests',
      )
    })
    it('a refusal aborts the whole transaction: nothing of the request is written', async () => {
      await ledger()
      await h().op.update('spending', { request_id: 'r2#native' }, { stroops: 0n })
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
      expect(await h().op.rows('requests', { request_id: 'rx' })).toHaveLength(0)
    })
  })
})
