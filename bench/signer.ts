/**
 * `npm run bench:signer`: tx.sign over mTLS with keep-alive at concurrency 1, 16 and 64, for both store
 * engines side by side — SQLite (the default) and PostgreSQL (a throwaway Debian cluster with PostgreSQL's
 * durable defaults: fsync and synchronous_commit on) with one signer process, then two on the same database
 * sharing the load — each beside its own in-process floor: the dispatcher over that engine at the same
 * concurrency, no network (envelope + idempotency + decrypt + checks + sign + audit write, sealed rows).
 * Also raw signing (stellar-sdk Keypair.sign, node:crypto Ed25519) and, on PostgreSQL, the latency of the
 * first tx.sign after a database restart (the pool's connections died under it).
 * Signers run as child processes so the load generator does not share their event loop.
 * Prints Markdown tables and writes bench/results/signer.json (`rows`: the SQLite rows in their old shape).
 * BENCH_DURATION_S (default 8) per run; BENCH_USERS (default 1) users the requests go round; BENCH_ENGINES
 * (default `sqlite,postgres`) which engines run.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Account, Asset, Keypair, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { ensurePki, spkiPinOfFile } from '../scripts/lib/certs.ts'
import { loadConfig } from '../signer/config.ts'
import { signEd25519 } from '../signer/crypto/ed25519.ts'
import { createKeyring } from '../signer/crypto/keyring.ts'
import { createDispatcher } from '../signer/dispatch.ts'
import { newAccountId } from '../signer/methods/store-account.ts'
import { loadSecrets } from '../signer/secrets.ts'
import { openStore } from '../signer/store/open.ts'
import { startPostgres } from '../test/support/postgres/start-postgres.ts'
import { inProcess, type Measured, overMtls, signOnce } from './lib/signer-load.ts'
import { startSigner } from './lib/signer-process.ts'
import { type Engine, legacyRows, type Row, type SideRow, tables, targetMet } from './lib/signer-report.ts'

const ROOT = join(import.meta.dirname, '..')
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8)
const USERS = Math.max(1, Number(process.env.BENCH_USERS ?? 1))
/** `sqlite`, `postgres` or both (the default), comma-separated. */
const ENGINES = new Set((process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(','))
const CONCURRENCY = [1, 16, 64] as const
const work = mkdtempSync(join(tmpdir(), 'tuxedo-bench-'))
const pki = ensurePki(join(work, 'pki'))
const env: Record<string, string> = {
  ENCRYPTION_MASTER_KEY: randomBytes(32).toString('base64'),
  SERVER_SALT_SECRET: randomBytes(32).toString('base64'),
  SIGNER_DATA_DIR: join(work, 'data'),
  SIGNER_HOST: '127.0.0.1',
  SIGNER_PORT: '0',
  SIGNER_TLS_CERT: pki.serverCert,
  SIGNER_TLS_KEY: pki.serverKey,
  SIGNER_CLIENT_CA: pki.caCert,
  SIGNER_RP_ID: 'localhost',
  SIGNER_RP_ORIGINS: 'http://localhost:8787',
  SIGNER_CLIENT_SPKI_PINS: spkiPinOfFile(pki.clientCert),
  STELLAR_NETWORK: 'testnet',
  ENVIRONMENT: 'development',
  // A cap far above what the run signs: the benchmark measures signing, not the policy saying no.
  SIGNER_POLICY_DEFAULTS: JSON.stringify({
    assets: [{ asset: 'native', perTx: '100', daily: '900000000000', approvalAbove: null }],
  }),
  ATTESTATION_MODE: 'insecure-dev',
}
const tls = {
  ca: readFileSync(pki.caCert),
  cert: readFileSync(pki.clientCert),
  key: readFileSync(pki.clientKey),
  servername: 'localhost',
}
const secrets = loadSecrets(env)
const keyring = createKeyring(secrets)

const kp = Keypair.random()
const xdr = new TransactionBuilder(new Account(kp.publicKey(), '100'), {
  fee: '100',
  networkPassphrase: Networks.TESTNET,
})
  .addOperation(
    Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '1' }),
  )
  .setTimeout(300)
  .build()
  .toEnvelope()
  .toXDR('base64')

function timeLoop(name: string, n: number, fn: () => void): Row {
  for (let i = 0; i < Math.min(200, n); i++) fn() // warm-up
  const lat: number[] = new Array(n)
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const s = performance.now()
    fn()
    lat[i] = performance.now() - s
  }
  const secs = (performance.now() - t0) / 1000
  lat.sort((a, b) => a - b)
  const at = (p: number) => lat[Math.min(n - 1, Math.floor(n * p))] ?? 0
  return { name, concurrency: null, perSec: n / secs, p50Ms: at(0.5), p99Ms: at(0.99), errors: 0 }
}

function rawSigning(): Row[] {
  const data = randomBytes(32)
  const seed = new Uint8Array(kp.rawSecretKey())
  return [
    timeLoop('raw: stellar-sdk Keypair.sign', 3000, () => kp.sign(data)),
    timeLoop('raw: node:crypto Ed25519 (key object per call)', 30_000, () => signEd25519(seed, data)),
  ]
}

type Target = { readonly userId: string; readonly accountId: string }
type StoreConfig = { readonly dataDir: string; readonly databaseUrl: string | undefined }

/** Users with one account each, stored directly (accounts.import needs a passkey proof: bench/user-proof.ts). */
async function seed(config: StoreConfig, prefix: string): Promise<Target[]> {
  const store = await openStore(config, secrets)
  const targets: Target[] = []
  for (let u = 0; u < USERS; u++) {
    const userId = `${prefix}-${u}`
    const accountId = newAccountId()
    const publicKey = kp.publicKey()
    const ciphertext = keyring.seal({ userId, accountId, publicKey }, new Uint8Array(kp.rawSecretKey()))
    const row = {
      id: accountId,
      user_id: userId,
      public_key: publicKey,
      kind: 'user',
      name: null,
      ciphertext,
      key_version: keyring.sealingKeyId,
      created_at: new Date().toISOString(),
    } as const
    await store.transaction(userId, (tx) => tx.accounts.insert(row))
    targets.push({ userId, accountId })
  }
  await store.close()
  return targets
}

/** Round-robin over the targets: a fresh requestId and issuedAt each time. */
function bodies(targets: readonly Target[]): () => { userId: string; json: string } {
  let i = 0
  return () => {
    const t = targets[i++ % targets.length] ?? { userId: '', accountId: '' }
    const params = { accountId: t.accountId, xdr }
    const json = JSON.stringify({
      requestId: `req_${randomUUID()}`,
      issuedAt: Date.now(),
      userId: t.userId,
      params,
    })
    return { userId: t.userId, json }
  }
}

async function floorOf(config: StoreConfig, engine: Engine): Promise<Map<number, Measured>> {
  const targets = await seed(config, `floor-${engine}`)
  const store = await openStore(config, secrets)
  const dispatch = createDispatcher({
    store,
    keyring,
    networkPassphrase: Networks.TESTNET,
    fingerprintKey: randomBytes(32),
    clock: Date.now,
    policy: loadConfig(env).policy,
    newId: (prefix: string) => `${prefix}_${randomBytes(16).toString('base64url')}`,
    nonce: () => new Uint8Array(randomBytes(16)),
    recoveryKey: randomBytes(32),
  })
  const next = bodies(targets)
  const call = async () => (await dispatch('tx.sign', JSON.parse(next().json))).status === 200
  const out = new Map<number, Measured>()
  for (const c of CONCURRENCY) out.set(c, await inProcess(c, durationFor(c), call))
  await store.close()
  return out
}

const durationFor = (c: number) => (c === 1 ? Math.max(3, DURATION_S / 2) : DURATION_S)

type EngineRun = { rows: SideRow[]; notes: string[] }

async function runEngine(
  engine: Engine,
  databaseUrl: string | undefined,
  replicas: number[],
): Promise<EngineRun> {
  const dir = join(work, engine)
  const floor = await floorOf({ dataDir: join(dir, 'floor'), databaseUrl }, engine)
  const childEnv = {
    ...env,
    SIGNER_DATA_DIR: join(dir, 'data'),
    ...(databaseUrl ? { SIGNER_DATABASE_URL: databaseUrl } : {}),
  }
  const targets = await seed({ dataDir: childEnv.SIGNER_DATA_DIR, databaseUrl }, `bench-${engine}`)
  const next = bodies(targets)
  const rows: SideRow[] = []
  const notes: string[] = []
  for (const n of replicas) {
    const signers = []
    for (let i = 0; i < n; i++) signers.push(await startSigner(ROOT, childEnv))
    try {
      const ports = signers.map((s) => s.port)
      for (const c of CONCURRENCY) {
        const m = await overMtls(ports, c, durationFor(c), tls, () => next().json)
        const f = floor.get(c)
        rows.push({
          ...m,
          engine,
          signers: n,
          concurrency: c,
          floorPerSec: f?.perSec ?? 0,
          floorP99Ms: f?.p99Ms ?? 0,
        })
      }
    } finally {
      for (const s of signers) await s.stop()
    }
  }
  notes.push(
    ...[...floor].map(
      ([c, f]) =>
        `${engine} floor c=${c}: p50 ${f.p50Ms.toFixed(2)} ms, p99 ${f.p99Ms.toFixed(2)} ms, errors ${f.errors}`,
    ),
  )
  return { rows, notes }
}

/** PostgreSQL restarted under a running signer: the first tx.sign after it comes back, and the next. */
async function afterRestart(pg: { restart(): Promise<void> }, databaseUrl: string): Promise<string> {
  const childEnv = { ...env, SIGNER_DATA_DIR: join(work, 'restart'), SIGNER_DATABASE_URL: databaseUrl }
  const next = bodies(await seed({ dataDir: childEnv.SIGNER_DATA_DIR, databaseUrl }, 'restart'))
  const signer = await startSigner(ROOT, childEnv)
  try {
    for (let i = 0; i < 20; i++) await signOnce(signer.port, next().json, tls) // the pool holds live connections
    await pg.restart()
    const first = await signOnce(signer.port, next().json, tls)
    const second = await signOnce(signer.port, next().json, tls)
    return `PostgreSQL restarted under a running signer: first tx.sign ${first.ms.toFixed(1)} ms (status ${first.status}), next ${second.ms.toFixed(1)} ms (status ${second.status}); each on a fresh mTLS connection`
  } finally {
    await signer.stop()
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')

async function main(): Promise<void> {
  const loadBefore = load()
  const raw = rawSigning()
  const none: EngineRun = { rows: [], notes: [] }
  const sqlite = ENGINES.has('sqlite') ? await runEngine('sqlite', undefined, [1]) : none
  let postgres = none
  let restart = ''
  if (ENGINES.has('postgres')) {
    const pg = await startPostgres({ durable: true })
    try {
      postgres = await runEngine('postgres', pg.url, [1, 2])
      restart = await afterRestart(pg, pg.url)
    } finally {
      await pg.stop()
    }
  }
  const side = [...sqlite.rows, ...postgres.rows]
  const target = targetMet(sqlite.rows)
  const lines = [
    `Signer benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, ${DURATION_S}s per run, ${USERS} user(s); load average before ${loadBefore}, after ${load()}`,
    '',
    ...tables(side, raw),
    '',
    ...sqlite.notes,
    ...postgres.notes,
    restart,
    '',
    `Target (SQLite c=64: ≥ 3,000 tx/s, p99 < 25 ms, no errors): ${target ? 'MET' : 'NOT MET'}`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
  const result = {
    at: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    durationS: DURATION_S,
    users: USERS,
    loadBefore,
    loadAfter: load(),
    rows: legacyRows(raw, sqlite.rows),
    sideBySide: side,
    restart,
    targetMet: target,
  }
  writeFileSync(join(ROOT, 'bench/results/signer.json'), `${JSON.stringify(result, null, 2)}\n`)
}

await main()
