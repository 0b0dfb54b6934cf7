/**
 * One contract, every engine (test/support/store/engines.ts): rows round-trip exactly, conditional writes
 * lose when raced, a user's transactions never interleave (on every replica), the audit chain stays one
 * linear chain under concurrent appends from two replicas, a failed fn writes nothing, an unreachable
 * database is StoreUnavailableError at once and the same engine works again once it is back.
 * Each engine runs on a real database started once per file (PostgreSQL: Debian's, in a temp dir).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entryHash, GENESIS_HASH } from '../../signer/audit/chain.ts'
import { type Engine, type RawTx, StoreUnavailableError } from '../../signer/store/types.ts'
import { ENGINE_CASES, type EngineHarness } from '../support/store/engines.ts'
import * as r from '../support/store/rows.ts'

const hashOf =
  (fields: Parameters<typeof entryHash>[2]) => (prev: { hash: string } | undefined, seq: number) =>
    entryHash(prev?.hash ?? GENESIS_HASH, seq, fields)

/** Resolves once `n` callers wait on it; rejects after `ms` (a serialised engine never gets there). */
function barrier(n: number, ms = 3000): () => Promise<void> {
  let waiting = 0
  let open: () => void = () => {}
  const opened = new Promise<void>((resolve, reject) => {
    open = resolve
    setTimeout(() => reject(new Error('barrier timed out: the transactions did not overlap')), ms).unref()
  })
  return () => {
    waiting++
    if (waiting === n) open()
    return opened
  }
}

describe.each(ENGINE_CASES)('$kind engine', ({ start }) => {
  let h: EngineHarness
  let a: Engine
  let b: Engine
  beforeAll(async () => {
    h = await start()
    a = await h.open()
    b = await h.open()
  })
  afterAll(() => h?.close())

  const run = <T>(e: Engine, user: string, fn: (tx: RawTx) => Promise<T>) => e.transaction(user, fn)

  describe('rows round-trip exactly (mac included)', () => {
    type RoundTrip = (tx: RawTx, u: string) => Promise<readonly [unknown, unknown]>
    const tables: [string, RoundTrip][] = [
      [
        'accounts',
        async (tx: RawTx, u: string) => {
          const row = r.account(u, { name: 'main' })
          await tx.accounts.insert(row)
          return [row, await tx.accounts.get(u, row.id)]
        },
      ],
      [
        'requests',
        async (tx: RawTx) => {
          const row = r.request({ response: null })
          await tx.requests.insert(row)
          return [row, await tx.requests.get(row.request_id)]
        },
      ],
      [
        'spending above 2^53',
        async (tx: RawTx, u: string) => {
          const row = r.line(u, { stroops: 2n ** 53n + 1n, cum: 9_223_372_036_854_775_807n, counts: false })
          await tx.spending.insertLine(row)
          return [[row], await tx.spending.linesForHash(u, row.tx_hash)]
        },
      ],
      [
        'spending heads',
        async (tx: RawTx, u: string) => {
          const row = r.head(u, { totals: { native: '9007199254740993', fee: '100' }, lines: 2 })
          await tx.spending.putHead(row, undefined)
          return [row, await tx.spending.head(u)]
        },
      ],
      [
        'approvals',
        async (tx: RawTx, u: string) => {
          const row = r.approval(u, { preview: '{"ops":[]}', counts_daily: 0 })
          await tx.approvals.insert(row)
          return [row, await tx.approvals.get(u, row.id)]
        },
      ],
      [
        'user policies',
        async (tx: RawTx, u: string) => {
          const row = r.policy(u, '{"dailyCap":"5"}')
          await tx.userPolicies.put(row)
          return [row, await tx.userPolicies.get(u)]
        },
      ],
      [
        'credentials',
        async (tx: RawTx, u: string) => {
          const row = r.credential(u, { counter: 4_294_967_295, uv: 0 })
          await tx.users.addCredential(row)
          return [row, await tx.users.credential(u, row.id)]
        },
      ],
      [
        'challenges',
        async (tx: RawTx, u: string) => {
          const row = r.challenge(u)
          await tx.users.addChallenge(row)
          return [row, await tx.users.challenge(row.challenge)]
        },
      ],
      [
        'recovery codes',
        async (tx: RawTx, u: string) => {
          const row = r.recoveryCode(u)
          await tx.users.addRecoveryCode(row)
          return [row, await tx.users.recoveryCode(u, row.code_hash)]
        },
      ],
      [
        'recovery grants',
        async (tx: RawTx, u: string) => {
          const row = r.grant(u)
          await tx.users.putGrant(row)
          return [row, await tx.users.takeGrant(u)]
        },
      ],
    ]
    it.each(tables)('%s', async (_name, write) => {
      const u = r.uniq('user')
      const [wrote, read] = await run(a, u, (tx) => write(tx, u))
      expect(read).toStrictEqual(wrote)
    })

    it("another user's rows answer like missing ones", async () => {
      const [owner, other] = [r.uniq('user'), r.uniq('user')]
      const acc = r.account(owner)
      const apr = r.approval(owner)
      await run(a, owner, async (tx) => {
        await tx.accounts.insert(acc)
        await tx.approvals.insert(apr)
      })
      await run(b, other, async (tx) => {
        expect(await tx.accounts.get(other, acc.id)).toBeUndefined()
        expect(await tx.accounts.byPublicKey(other, acc.public_key)).toBeUndefined()
        expect(await tx.accounts.delete(other, acc.id)).toBe(false)
        expect(await tx.approvals.get(other, apr.id)).toBeUndefined()
        expect(await tx.approvals.transition(other, apr.id, 'pending', { ...apr, status: 'approved' })).toBe(
          false,
        )
      })
    })
  })

  describe('conditional writes: the second of two racing writers gets false', () => {
    // Each row: set up the state, then the conditional write both replicas attempt at once.
    type Race = (tx: RawTx, u: string, s: Record<string, unknown>) => Promise<boolean>
    const rows: [string, (tx: RawTx, u: string) => Promise<Record<string, unknown>>, Race][] = [
      [
        'approval pending → approved',
        async (tx, u) => {
          const row = r.approval(u)
          await tx.approvals.insert(row)
          return { row }
        },
        (tx, u, s) => {
          const row = s.row as ReturnType<typeof r.approval>
          return tx.approvals.transition(u, row.id, 'pending', { ...row, status: 'approved', decided_ms: 1 })
        },
      ],
      [
        'challenge use',
        async (tx, u) => {
          const row = r.challenge(u)
          await tx.users.addChallenge(row)
          return { row }
        },
        (tx, _u, s) => {
          const row = s.row as ReturnType<typeof r.challenge>
          return tx.users.useChallenge(row.challenge, { ...row, used_ms: 2, mac: r.mac('used') })
        },
      ],
      [
        'recovery code spend',
        async (tx, u) => {
          const row = r.recoveryCode(u)
          await tx.users.addRecoveryCode(row)
          return { row }
        },
        (tx, _u, s) =>
          tx.users.spendRecoveryCode({ ...(s.row as ReturnType<typeof r.recoveryCode>), used_ms: 3 }),
      ],
      [
        'grant take',
        async (tx, u) => {
          await tx.users.putGrant(r.grant(u))
          return {}
        },
        async (tx, u) => (await tx.users.takeGrant(u)) !== undefined,
      ],
      [
        'credential counter',
        async (tx, u) => {
          const row = r.credential(u, { counter: 7 })
          await tx.users.addCredential(row)
          return { row }
        },
        (tx, u, s) => {
          const row = s.row as ReturnType<typeof r.credential>
          return tx.users.updateCredential(u, row.id, 7, { ...row, counter: 8, last_used_at: 'now' })
        },
      ],
      [
        'ciphertext CAS',
        async (tx, u) => {
          const row = r.account(u)
          await tx.accounts.insert(row)
          return { row }
        },
        (tx, u, s) => {
          const row = s.row as ReturnType<typeof r.account>
          return tx.accounts.swapCiphertext(u, row.id, row.ciphertext, {
            ...row,
            ciphertext: 'v2.ct',
            key_version: 'v2',
          })
        },
      ],
      [
        'spending head expectedLines',
        async (tx, u) => {
          await tx.spending.putHead(r.head(u), undefined)
          return {}
        },
        (tx, u) => tx.spending.putHead(r.head(u, { lines: 1, totals: { native: '1' } }), 0),
      ],
      ['first spending head', async () => ({}), (tx, u) => tx.spending.putHead(r.head(u), undefined)],
    ]
    it.each(rows)('%s', async (_name, setup, race) => {
      const u = r.uniq('user')
      const s = await run(a, u, (tx) => setup(tx, u))
      const results = await Promise.all([
        run(a, u, (tx) => race(tx, u, s)),
        run(b, u, (tx) => race(tx, u, s)),
      ])
      expect(results.sort()).toStrictEqual([false, true])
      // A third, later writer with the same stale expectation loses too.
      expect(await run(b, u, (tx) => race(tx, u, s))).toBe(false)
    })
  })

  it("a user's transactions never interleave, across two replicas (40 read-modify-writes, none lost)", async () => {
    const u = r.uniq('user')
    let inside = 0
    let most = 0
    const bump = (e: Engine) =>
      run(e, u, async (tx) => {
        inside++
        most = Math.max(most, inside)
        const n = Number((await tx.userPolicies.get(u))?.policy ?? '0')
        await new Promise((resolve) => setTimeout(resolve, 2)) // widens the window a lost update needs
        await tx.userPolicies.put(r.policy(u, String(n + 1)))
        inside--
      })
    await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 === 0 ? a : b)))
    expect(most).toBe(1)
    expect(await run(a, u, async (tx) => (await tx.userPolicies.get(u))?.policy)).toBe('40')
  })

  it('different users run at the same time (their transactions overlap)', async ({ skip }) => {
    if (!h.concurrentUsers) skip()
    const meet = barrier(2)
    await Promise.all([r.uniq('user'), r.uniq('user')].map((u, i) => run(i ? a : b, u, () => meet())))
  })

  it('the audit chain stays one linear chain under 60 concurrent appends from two replicas', async () => {
    const before = (await run(a, 'auditor', (tx) => tx.audit.head()))?.seq ?? 0
    const heads = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const u = r.uniq('user')
        const f = r.auditFields(u, {
          decision: i % 3 ? 'allow' : 'deny',
          reason_code: i % 3 ? null : 'ERR_POLICY_DAILY_CAP',
        })
        return run(i % 2 ? a : b, u, (tx) => tx.audit.append(f, hashOf(f)))
      }),
    )
    const rows = await run(a, 'auditor', (tx) => tx.audit.range(before, 1000))
    expect(rows.map((x) => x.seq)).toStrictEqual(Array.from({ length: 60 }, (_, i) => before + i + 1))
    expect(new Set(heads.map((x) => x.seq)).size).toBe(60)
    let prev =
      before === 0 ? GENESIS_HASH : (await run(a, 'auditor', (tx) => tx.audit.range(before - 1, 1)))[0]?.hash
    for (const row of rows) {
      expect(row.prev_hash).toBe(prev)
      expect(row.hash).toBe(entryHash(row.prev_hash, row.seq, row))
      prev = row.hash
    }
    expect(await run(b, 'auditor', (tx) => tx.audit.head())).toStrictEqual({ seq: before + 60, hash: prev })
  })

  it('a fn that throws leaves nothing written and its error is the one rethrown', async () => {
    const u = r.uniq('user')
    const acc = r.account(u)
    const req = r.request()
    const before = await run(a, u, (tx) => tx.audit.head())
    const boom = new Error('boom')
    await expect(
      run(a, u, async (tx) => {
        await tx.accounts.insert(acc)
        await tx.requests.insert(req)
        const f = r.auditFields(u)
        await tx.audit.append(f, hashOf(f))
        throw boom
      }),
    ).rejects.toBe(boom)
    await run(b, u, async (tx) => {
      expect(await tx.accounts.get(u, acc.id)).toBeUndefined()
      expect(await tx.requests.get(req.request_id)).toBeUndefined()
      expect(await tx.audit.head()).toStrictEqual(before)
    })
  })

  describe('database down', () => {
    it('stopped: rejects with StoreUnavailableError (bound: before the 10 s test timeout), then the same engine works again after restart', {
      timeout: 10_000,
    }, async ({ skip }) => {
      const outage = h.outage
      if (!outage) return skip()
      const u = r.uniq('user')
      await run(a, u, (tx) => tx.accounts.count(u)) // a pooled connection exists and goes stale
      await outage.stop()
      try {
        await expect(run(a, u, (tx) => tx.accounts.count(u))).rejects.toBeInstanceOf(StoreUnavailableError)
        await expect(a.prune(Date.now())).rejects.toBeInstanceOf(StoreUnavailableError)
      } finally {
        await outage.start()
      }
      const acc = r.account(u)
      await run(a, u, (tx) => tx.accounts.insert(acc))
      expect(await run(b, u, (tx) => tx.accounts.get(u, acc.id))).toStrictEqual(acc)
    })

    it('going down mid-transaction: StoreUnavailableError and nothing of it committed', {
      timeout: 10_000,
    }, async ({ skip }) => {
      const outage = h.outage
      if (!outage) return skip()
      const u = r.uniq('user')
      const acc = r.account(u)
      try {
        await expect(
          run(a, u, async (tx) => {
            await tx.accounts.insert(acc)
            await outage.stop()
            await tx.requests.insert(r.request())
          }),
        ).rejects.toBeInstanceOf(StoreUnavailableError)
      } finally {
        await outage.start()
      }
      expect(await run(a, u, (tx) => tx.accounts.get(u, acc.id))).toBeUndefined()
    })
  })
})
