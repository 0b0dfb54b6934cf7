/**
 * Issue 9, reliability 3: the signer SIGKILLed during 1,000 concurrent tx.sign calls, sent directly over mTLS
 * (the edge has no bulk signing route; /chat signs one transaction per agent step). Meanwhile the edge is
 * asked for the same user's accounts and must answer 503 quickly. After a restart on the same data folder:
 * PRAGMA integrity_check is ok, the audit chain verifies, the spending ledger agrees with the audit log,
 * every account decrypts and signs, and retrying every request id (as the edge does) signs nothing twice.
 */
import {
  Account,
  Asset,
  Keypair,
  Operation,
  Transaction,
  TransactionBuilder,
} from '@stellar/stellar-sdk/base'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { LOCAL_PASSPHRASE } from '../../scripts/lib/stand-ins.ts'
import { openWith, type SealedSeed, sealInfo, sealSuite, toBase64url } from '../../shared/seed-seal.ts'
import { verifyChain } from '../../signer/audit/verify.ts'
import { dbPath } from '../../signer/store/sqlite/db.ts'
import type { AuditRow } from '../../signer/store/types.ts'
import { createHttp, percentile, pool, type Received } from '../support/reliability/http.ts'
import { createSecretScan } from '../support/reliability/secret-scan.ts'
import {
  createSignerRpc,
  type Envelope,
  envelope,
  proverOver,
  type RpcOutcome,
} from '../support/reliability/signer-rpc.ts'
import {
  type Edge,
  type ReliabilityStack,
  readLog,
  startReliabilityStack,
} from '../support/reliability/stack.ts'

const SIGNS = 1_000
const ACCOUNTS = 4
const USER = 'usr_reliability_kill'
let stack: ReliabilityStack
let edge: Edge
const scan = createSecretScan()

beforeAll(async () => {
  stack = await startReliabilityStack({
    signerEnv: {
      // A daily cap far above 1,000 × 1 XLM: the test is about the crash, not the policy saying no.
      SIGNER_POLICY_DEFAULTS: JSON.stringify({
        assets: [{ asset: 'native', perTx: '100', daily: '900000000', approvalAbove: null }],
      }),
    },
  })
  edge = await stack.startEdge({ RATE_LIMIT_READ: '100000/1m' })
  scan.watchDevSecrets(stack.secrets)
})

afterAll(async () => {
  if (!stack) return
  scan.add('edge console', edge.console.join('\n'))
  scan.add('signer log', readLog(stack.signerLogFile))
  for (const t of stack.sessionTokens) scan.watch('session token', t)
  expect(scan.scan()).toEqual([])
  await stack.stop()
})

type Created = { accountId: string; publicKey: string }

const paymentXdr = (source: string, seq: number): string =>
  new TransactionBuilder(new Account(source, String(seq)), {
    fee: '100',
    networkPassphrase: LOCAL_PASSPHRASE,
  })
    .addOperation(
      Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '1' }),
    )
    .setTimeout(300)
    .build()
    .toEnvelope()
    .toXDR('base64')

const signedBy = (signedXdr: string, publicKey: string): boolean => {
  const tx = new Transaction(signedXdr, LOCAL_PASSPHRASE)
  const kp = Keypair.fromPublicKey(publicKey)
  // stellar-sdk 17: decorated signatures are plain { hint, signature } objects.
  return tx.signatures.some((s) => kp.verify(tx.hash(), Buffer.from(s.signature.value)))
}

it(`SIGKILL during ${SIGNS} concurrent signs: fast 503s, nothing hangs, no damage, nothing signed twice`, async () => {
  const rpc = createSignerRpc(stack.pki, () => Number(stack.signerEnv.SIGNER_PORT))
  // The user's passkey, so the exports at the end can carry the user's own proof.
  const prover = proverOver(rpc)
  await prover.enrol(USER)
  const accounts: Created[] = []
  for (let i = 0; i < ACCOUNTS; i++)
    accounts.push(await rpc.ok<Created>('accounts.create', envelope(USER, { kind: 'agent', name: `k${i}` })))
  const token = await edge.session(USER)
  const http = createHttp(edge.url)
  const listAccounts = () =>
    http.send({ method: 'GET', path: '/api/accounts', headers: { authorization: `Bearer ${token}` } })
  expect((await listAccounts()).status).toBe(200) // the edge has attested this signer

  const envs: Envelope[] = Array.from({ length: SIGNS }, (_, i) => {
    const a = accounts[i % ACCOUNTS]
    if (!a) throw new Error('unreachable')
    return envelope(USER, { accountId: a.accountId, xdr: paymentXdr(a.publicKey, 1000 + i) })
  })

  // Fire all 1,000; kill the signer once a quarter have answered.
  let answered = 0
  let killedAt = 0
  const t0 = performance.now()
  const first = pool(SIGNS, SIGNS, async (i): Promise<RpcOutcome> => {
    const env = envs[i]
    if (!env) throw new Error('unreachable')
    const o = await rpc.call('tx.sign', env)
    if (o.kind === 'answer' && ++answered === SIGNS / 4) {
      killedAt = performance.now()
      stack.signer().process.kill('SIGKILL')
    }
    return o
  })
  // While it is down, the edge is asked for this user's accounts: it must say 503, quickly.
  const edgeWhileDown: Received[] = []
  const whileDown = (async () => {
    while (killedAt === 0 && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5))
    await new Promise((r) => setTimeout(r, 50))
    edgeWhileDown.push(...(await Promise.all(Array.from({ length: 10 }, listAccounts))))
  })()
  const outcomes = await first
  await whileDown
  const settledMs = performance.now() - t0
  const before = outcomes.map((o) =>
    o.kind === 'answer' ? (JSON.parse(o.text) as { ok: boolean }) : undefined,
  )
  const okBefore = before.filter((b) => b?.ok).length
  const failed = outcomes.filter((o) => o.kind === 'failed')
  console.log(
    `[reliability] signer kill: ${okBefore} signed before SIGKILL (at ${killedAt ? (killedAt - t0).toFixed(0) : '—'} ms), ` +
      `${failed.length} failed fast (p99 ${percentile(
        failed.map((o) => o.ms),
        0.99,
      ).toFixed(0)} ms), all ${SIGNS} settled in ${settledMs.toFixed(0)} ms; edge while down: ` +
      `${edgeWhileDown.map((r) => r.status).join(',')} (max ${Math.max(...edgeWhileDown.map((r) => r.ms)).toFixed(0)} ms)`,
  )
  expect(killedAt).toBeGreaterThan(0)
  expect(okBefore).toBeGreaterThanOrEqual(SIGNS / 4)
  expect(failed.length).toBeGreaterThan(0)
  // Nothing hung: every call settled well inside its own 10 s deadline.
  expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(9_000)
  for (const r of edgeWhileDown) {
    scan.add('edge while signer down', r.body)
    expect(r.status).toBe(503)
    expect(JSON.parse(r.body)).toMatchObject({ code: 'ERR_SIGNER_UNAVAILABLE' })
    expect(r.ms).toBeLessThan(3_000)
  }

  // Restart on the same data folder and port.
  await stack.restartSigner()
  const db = new Database(dbPath(stack.signerDataDir), { readonly: true })
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    const chain = verifyChain(db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq').iterate())
    expect(chain.ok).toBe(true)
    const committed = db
      .prepare<[string], { n: number }>(
        "SELECT COUNT(*) AS n FROM audit WHERE user_id = ? AND method = 'tx.sign' AND decision = 'allow'",
      )
      .get(USER)
    // At least what was answered is durable; the difference was signed and committed but never answered.
    expect(committed?.n ?? 0).toBeGreaterThanOrEqual(okBefore)
    console.log(
      `[reliability] after restart: integrity ok, audit chain ok (${chain.ok ? chain.entries : 0} entries), ` +
        `${committed?.n ?? 0} signs committed (${(committed?.n ?? 0) - okBefore} committed but unanswered)`,
    )
  } finally {
    db.close()
  }

  // Retry every request id with its original envelope, as the edge's client does after a failure.
  const firstSigned = new Map<string, string>()
  for (const [i, o] of outcomes.entries()) {
    if (o.kind !== 'answer') continue
    const b = JSON.parse(o.text) as { ok: boolean; result?: { signedXdr: string } }
    if (b.ok && b.result) firstSigned.set(envs[i]?.requestId ?? '', b.result.signedXdr)
  }
  const retried = await pool(SIGNS, 64, async (i) => {
    const env = envs[i]
    if (!env) throw new Error('unreachable')
    return { env, result: await rpc.ok<{ signedXdr: string; hash: string }>('tx.sign', env) }
  })
  for (const { env, result } of retried) {
    const before = firstSigned.get(env.requestId)
    // An answered request gets its first answer back byte for byte: the same signature, not a new one.
    if (before !== undefined) expect(result.signedXdr).toBe(before)
    const params = env.params as { accountId: string }
    const a = accounts.find((x) => x.accountId === params.accountId)
    expect(signedBy(result.signedXdr, a?.publicKey ?? '')).toBe(true)
  }

  // The ledger and the audit log agree, one allow per request id, nothing counted twice.
  const db2 = new Database(dbPath(stack.signerDataDir), { readonly: true })
  try {
    expect(db2.pragma('integrity_check', { simple: true })).toBe('ok')
    const chain = verifyChain(db2.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq').iterate())
    expect(chain.ok).toBe(true)
    const allows = db2
      .prepare<[string], { request_id: string; tx_hash: string; n: number }>(
        `SELECT request_id, tx_hash, COUNT(*) AS n FROM audit
         WHERE user_id = ? AND method = 'tx.sign' AND decision = 'allow' GROUP BY request_id`,
      )
      .all(USER)
    expect(allows).toHaveLength(SIGNS)
    expect(allows.filter((a) => a.n !== 1)).toEqual([])
    const lines = db2
      .prepare<[string], { request_id: string; tx_hash: string; stroops: number }>(
        "SELECT request_id, tx_hash, stroops FROM spending WHERE user_id = ? AND asset = 'native'",
      )
      .all(USER)
    expect(lines).toHaveLength(SIGNS)
    const auditHash = new Map(allows.map((a) => [a.request_id, a.tx_hash]))
    for (const l of lines) expect(auditHash.get(l.request_id.replace(/#native$/, ''))).toBe(l.tx_hash)
    // Fees are money too (issue 12): one fee line per signature, beside its spend, never one more.
    const fees = db2
      .prepare<[string], { request_id: string; tx_hash: string }>(
        "SELECT request_id, tx_hash FROM spending WHERE user_id = ? AND asset = 'fee'",
      )
      .all(USER)
    expect(fees).toHaveLength(SIGNS)
    for (const f of fees) expect(auditHash.get(f.request_id.replace(/#fee$/, ''))).toBe(f.tx_hash)
    const days = db2
      .prepare<[string], { total: number }>(
        "SELECT SUM(stroops) AS total FROM spending_days WHERE user_id = ? AND asset = 'native'",
      )
      .get(USER)
    expect(days?.total).toBe(SIGNS * 10_000_000)
    expect(lines.reduce((n, l) => n + l.stroops, 0)).toBe(SIGNS * 10_000_000)
  } finally {
    db2.close()
  }

  // Every account still decrypts (export gives the key of its public key) and signs something new.
  for (const [i, a] of accounts.entries()) {
    const mine = await sealSuite().kem.generateKeyPair()
    const recipientPublicKey = toBase64url(
      new Uint8Array(await sealSuite().kem.serializePublicKey(mine.publicKey)),
    )
    const proven = await prover.proven(
      'accounts.export',
      { accountId: a.accountId, recipientPublicKey },
      { userId: USER },
    )
    expect(proven.status).toBe(200)
    const exported = proven.body.result as { sealed: SealedSeed }
    const opened = await openWith(mine, exported.sealed, sealInfo('accounts.export', USER, a.accountId))
    const secret = new TextDecoder().decode(opened)
    expect(Keypair.fromSecret(secret).publicKey()).toBe(a.publicKey)
    scan.watch('exported seed', secret)
    const fresh = await rpc.ok<{ signedXdr: string }>(
      'tx.sign',
      envelope(USER, { accountId: a.accountId, xdr: paymentXdr(a.publicKey, 90_000 + i) }),
    )
    expect(signedBy(fresh.signedXdr, a.publicKey)).toBe(true)
  }

  // The edge recovers by itself (it re-attests the restarted signer's new key).
  const after = await listAccounts()
  scan.add('edge after restart', after.body)
  expect(after.status).toBe(200)
  expect((JSON.parse(after.body) as { accounts: unknown[] }).accounts).toHaveLength(ACCOUNTS)
  rpc.close()
  http.close()
})
