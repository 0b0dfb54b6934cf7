/**
 * Issue 16, must show: two stateless signer replicas on one PostgreSQL (Debian's server, started here).
 * 1. 200 concurrent spends of one user spread over both against a daily cap of exactly K spends: exactly K
 *    are signed (the per-user lock holds across processes), the ledger holds K lines, and the audit log is
 *    one linear chain that verifies.
 * 2. One replica SIGKILLed during 1,000 signs spread over both: ledger = audit, no transaction hash signed
 *    twice, every request id retried (as the edge does, on either replica) returns its first answer and
 *    signs nothing new; meanwhile the edge, configured with both replicas, keeps answering a steady stream
 *    of calls that reach the signer, and fails over to the survivor in under 3 s.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type RunningPostgres, startPostgres } from '../support/postgres/start-postgres.ts'
import { createHttp, pool, type Received } from '../support/reliability/http.ts'
import {
  allowsOf,
  auditChain,
  ledgerAgainstAudit,
  linesOf,
  paymentXdr,
  signedBy,
  withPg,
} from '../support/reliability/replica-ledger.ts'
import {
  createSignerRpc,
  type Envelope,
  envelope,
  type RpcOutcome,
} from '../support/reliability/signer-rpc.ts'
import { type Edge, type ReliabilityStack, startReliabilityStack } from '../support/reliability/stack.ts'

/** The cap: exactly K spends of AMOUNT XLM fit in the day; the policy's daily cap is K × AMOUNT. */
const K = 20
const AMOUNT = 50_000
const DAILY = 1_000_000
const SIGNS = 1_000
let db: RunningPostgres
let stack: ReliabilityStack
let edge: Edge
let rpcs: ReturnType<typeof createSignerRpc>[]

beforeAll(async () => {
  db = await startPostgres()
  stack = await startReliabilityStack({
    replicas: 2,
    signerEnv: {
      SIGNER_DATABASE_URL: db.url,
      SIGNER_POLICY_DEFAULTS: JSON.stringify({
        assets: [{ asset: 'native', perTx: '100000', daily: String(DAILY), approvalAbove: null }],
      }),
    },
  })
  edge = await stack.startEdge({ RATE_LIMIT_READ: '100000/1m' })
  // 30 s per call: 200 decisions of one user run one after another, whichever replica takes them.
  rpcs = stack.replicas.map((r) => createSignerRpc(stack.pki, () => r.port, 30_000))
})

afterAll(async () => {
  for (const r of rpcs ?? []) r.close()
  await stack?.stop()
  await db?.stop()
})

type Created = { accountId: string; publicKey: string }
type Answer = { ok: boolean; result?: { signedXdr: string; hash: string }; error?: { code: string } }
const answerOf = (o: RpcOutcome): Answer | undefined =>
  o.kind === 'answer' ? (JSON.parse(o.text) as Answer) : undefined
const rpc = (i: number) => {
  const r = rpcs[i % rpcs.length]
  if (!r) throw new Error('no replica')
  return r
}
const unavailable = (o: RpcOutcome) =>
  o.kind === 'answer' && answerOf(o)?.error?.code === 'ERR_SIGNER_UNAVAILABLE'

/**
 * tx.sign as the edge sends it: a failed connection or a 503 ERR_SIGNER_UNAVAILABLE (the replica shed load:
 * no database connection free in time) is retried with the same request id on the other replica. Returns
 * the last outcome and how many failed attempts came before it.
 */
async function signAsEdge(i: number, env: Envelope): Promise<{ o: RpcOutcome; shed: number }> {
  let shed = 0
  for (let attempt = 0; ; attempt++) {
    const o = await rpc(i + attempt).call('tx.sign', env)
    if ((o.kind === 'answer' && !unavailable(o)) || attempt >= 20) return { o, shed }
    shed++
    await new Promise((r) => setTimeout(r, 200 + Math.random() * 300))
  }
}

it(`${2 * 100} concurrent spends over two replicas against a cap of ${K}: exactly ${K} signed`, async () => {
  expect(DAILY).toBe(K * AMOUNT)
  const user = 'usr_replicas_cap'
  const a = await rpc(0).ok<Created>('accounts.create', envelope(user, { kind: 'agent', name: 'cap' }))
  const envs = Array.from({ length: 200 }, (_, i) =>
    envelope(user, { accountId: a.accountId, xdr: paymentXdr(a.publicKey, 5_000 + i, String(AMOUNT)) }),
  )
  const t0 = performance.now()
  const sent = await pool(envs.length, envs.length, (i) => signAsEdge(i, envs[i] as Envelope))
  const ms = performance.now() - t0
  const outcomes = sent.map((s) => s.o)
  const shed = sent.reduce((n, s) => n + s.shed, 0)
  const answers = outcomes.map(answerOf)
  const signed = answers.filter((b) => b?.ok)
  const refused = answers.filter((b) => b && !b.ok)
  // Which replica first took each request (a retried one may have been signed by the other).
  const perReplica = [0, 1].map((r) => answers.filter((b, i) => b?.ok && i % 2 === r).length)
  console.log(
    `[reliability] replicas cap: ${signed.length} signed (over-signed ${signed.length - K}), ` +
      `${refused.length} refused, ${outcomes.length - signed.length - refused.length} failed; ` +
      `signed per replica ${perReplica.join('/')}; ${shed} 503s retried with the same id; ${ms.toFixed(0)} ms`,
  )
  expect(outcomes.filter((o) => o.kind === 'failed')).toEqual([])
  expect(signed).toHaveLength(K)
  expect(refused).toHaveLength(200 - K)
  for (const b of refused) expect(b?.error?.code).toBe('ERR_POLICY_DAILY_CAP')
  for (const b of signed) expect(signedBy(b?.result?.signedXdr ?? '', a.publicKey)).toBe(true)

  await withPg(db.url, async (c) => {
    const lines = await linesOf(c, user, 'native')
    expect(lines).toHaveLength(K)
    expect(lines.reduce((n, l) => n + l.stroops, 0n)).toBe(BigInt(DAILY) * 10_000_000n)
    expect(ledgerAgainstAudit(await allowsOf(c, user), { native: lines })).toEqual([])
    const { rows, verdict } = await auditChain(c)
    expect(verdict).toMatchObject({ ok: true, entries: rows.length })
    // One linear chain: seq 1..n with no gap, and every one of the 200 decisions is in it once.
    const mine = rows.filter((r) => r.user_id === user && r.method === 'tx.sign')
    expect(new Set(mine.map((r) => r.request_id)).size).toBe(200)
    expect(mine.filter((r) => r.decision === 'deny')).toHaveLength(200 - K)
  })
})

it(`one replica SIGKILLed during ${SIGNS} signs: ledger = audit, nothing signed twice, the edge fails over`, async () => {
  // Eight users (one account each) share the burst: a user's decisions run one at a time on any replica,
  // so one user alone would measure its own queue, not the failover.
  const users = Array.from({ length: 8 }, (_, u) => `usr_replicas_kill_${u}`)
  const accounts: Created[] = []
  for (const [u, user] of users.entries())
    accounts.push(await rpc(u).ok<Created>('accounts.create', envelope(user, { kind: 'agent', name: 'k' })))
  // The edge's stream is another user's: its calls wait for no one's burst.
  const watcher = 'usr_replicas_watch'
  await rpc(0).ok<Created>('accounts.create', envelope(watcher, { kind: 'agent', name: 'w' }))
  const token = await edge.session(watcher)
  const http = createHttp(edge.url)
  const listAccounts = () =>
    http.send({ method: 'GET', path: '/api/accounts', headers: { authorization: `Bearer ${token}` } })
  const hello = await listAccounts()
  // The edge has attested a replica (the body and the edge's console say why not).
  expect(hello.status, `${hello.body}\n${edge.console.slice(-5).join('\n')}`).toBe(200)

  const envs: Envelope[] = Array.from({ length: SIGNS }, (_, i) => {
    const u = i % users.length
    const a = accounts[u] as Created
    return envelope(users[u] ?? '', { accountId: a.accountId, xdr: paymentXdr(a.publicKey, 1_000 + i) })
  })
  const keyOf = new Map(users.map((u, i) => [u, accounts[i]?.publicKey ?? '']))
  // Replica 0 (the edge's first) dies once a quarter of the signs have answered.
  let answered = 0
  let killedAt = 0
  let signsDone = false
  const t0 = performance.now()
  const signing = pool(SIGNS, 64, async (i): Promise<RpcOutcome> => {
    const o = await rpc(i).call('tx.sign', envs[i] as Envelope)
    if (o.kind === 'answer' && ++answered === SIGNS / 4) {
      killedAt = performance.now()
      void stack.replicas[0]?.kill()
    }
    return o
  })
  // A steady stream through the edge, two at a time, from before the kill until 3 s after it.
  const stream: (Received & { startedAt: number; endedAt: number })[] = []
  const streaming = pool(2, 2, async () => {
    while (!signsDone || killedAt === 0 || performance.now() - killedAt < 3_000) {
      if (performance.now() - t0 > 60_000) return
      const startedAt = performance.now()
      const r = await listAccounts()
      stream.push({ ...r, startedAt, endedAt: performance.now() })
      await new Promise((res) => setTimeout(res, 25))
    }
  })
  const outcomes = await signing
  signsDone = true
  await streaming
  const settledMs = performance.now() - t0

  const afterKill = stream.filter((s) => s.startedAt >= killedAt).sort((x, y) => x.endedAt - y.endedAt)
  const firstServed = afterKill.find((s) => s.status === 200)
  const failoverMs = firstServed ? firstServed.endedAt - killedAt : Number.POSITIVE_INFINITY
  const failedEdge = stream.filter((s) => s.status !== 200)
  const okFirst = outcomes.filter((o) => answerOf(o)?.ok).length
  const failed = outcomes.filter((o) => o.kind === 'failed')
  const shed = outcomes.filter(unavailable).length
  console.log(
    `[reliability] replica kill: killed at ${(killedAt - t0).toFixed(0)} ms; ${okFirst} signed, ` +
      `${failed.length} failed on the dead replica, ${shed} shed (503); all ${SIGNS} settled in ` +
      `${settledMs.toFixed(0)} ms; edge stream ${stream.length} calls (${afterKill.length} after the kill), ` +
      `${failedEdge.length} not 200 (${failedEdge.map((s) => s.status).join(',') || 'none'}); ` +
      `failover ${failoverMs.toFixed(0)} ms; slowest edge call after the kill ` +
      `${Math.max(0, ...afterKill.map((s) => s.endedAt - s.startedAt)).toFixed(0)} ms`,
  )
  expect(killedAt).toBeGreaterThan(0)
  expect(stack.replicas[0]?.alive()).toBe(false)
  expect(failed.length).toBeGreaterThan(0)
  // Nothing hung: every call settled well inside its deadline.
  expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(9_000)
  // The survivor answered everything sent to it: a signature, or a load-shedding 503 (retried below).
  for (const [i, o] of outcomes.entries())
    if (i % 2 === 1) expect(answerOf(o)?.ok === true || unavailable(o)).toBe(true)
  // The edge kept answering: every call of the stream, those across the kill included.
  expect(afterKill.length).toBeGreaterThan(0)
  expect(failedEdge.map((s) => `${s.status} ${s.body.slice(0, 120)}`)).toEqual([])
  expect(failoverMs).toBeLessThan(3_000)

  // Retry every request id on the survivor, as the edge does after a failure.
  const first = new Map<string, string>()
  for (const [i, o] of outcomes.entries()) {
    const b = answerOf(o)
    if (b?.ok && b.result) first.set((envs[i] as Envelope).requestId, b.result.signedXdr)
  }
  const retried = await pool(SIGNS, 32, async (i) => (await signAsEdge(1, envs[i] as Envelope)).o)
  for (const [i, o] of retried.entries()) {
    const env = envs[i] as Envelope
    const b = answerOf(o)
    expect(b?.ok).toBe(true)
    const signedXdr = b?.result?.signedXdr ?? ''
    const before = first.get(env.requestId)
    // An answered request gets its first answer back byte for byte: the same signature, not a new one.
    if (before !== undefined) expect(signedXdr).toBe(before)
    expect(signedBy(signedXdr, keyOf.get(env.userId) ?? '')).toBe(true)
    first.set(env.requestId, signedXdr)
  }
  const allowsOf8 = async (c: Parameters<typeof allowsOf>[0]) => {
    const out: Awaited<ReturnType<typeof allowsOf>>[] = []
    for (const u of users) out.push(await allowsOf(c, u)) // one client: one query at a time
    return out
  }
  const allowsOnce = await withPg(db.url, allowsOf8)
  expect(allowsOnce.flat()).toHaveLength(SIGNS)

  // The killed replica back; every id again, spread over both: the first answers, nothing new signed.
  await stack.replicas[0]?.restart()
  const again = await pool(SIGNS, 32, async (i) => (await signAsEdge(i + 1, envs[i] as Envelope)).o)
  for (const [i, o] of again.entries())
    expect(answerOf(o)?.result?.signedXdr).toBe(first.get((envs[i] as Envelope).requestId))

  await withPg(db.url, async (c) => {
    expect(await allowsOf8(c)).toEqual(allowsOnce)
    for (const [u, user] of users.entries()) {
      const allows = allowsOnce[u] ?? []
      const native = await linesOf(c, user, 'native')
      const fee = await linesOf(c, user, 'fee')
      expect(native).toHaveLength(allows.length)
      expect(native.reduce((n, l) => n + l.stroops, 0n)).toBe(BigInt(allows.length) * 10_000_000n)
      // Fees are money too: one fee line per signature, beside its spend.
      expect(fee).toHaveLength(allows.length)
      expect(ledgerAgainstAudit(allows, { native, fee })).toEqual([])
    }
    // No transaction hash signed twice, across all users.
    const hashes = allowsOnce.flat().map((a) => a.tx_hash)
    expect(new Set(hashes).size).toBe(SIGNS)
    expect((await auditChain(c)).verdict.ok).toBe(true)
  })
  http.close()
})
