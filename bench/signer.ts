/**
 * `npm run bench:signer`: tx.sign over mTLS with keep-alive at concurrency 1, 16 and 64 (autocannon, client
 * certificate through its tlsOptions), beside the in-process floor (envelope + idempotency + decrypt +
 * checks + sign + audit write, no network) and raw signing (stellar-sdk Keypair.sign, node:crypto Ed25519).
 * The floor goes through the same store (sealed rows over the SQLite engine) as the signer. The signer runs as a child process (`node signer/main.ts`) so the load generator does not share its core.
 * Prints a Markdown table and writes bench/results/signer.json.
 */
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Account, Asset, Keypair, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
// @ts-expect-error autocannon ships no types; only its documented programmatic API is used.
import autocannon from 'autocannon'
import { ensurePki, spkiPinOfFile } from '../scripts/lib/certs.ts'
import { fromHex } from '../shared/attestation.ts'
import { sealInfo, sealTo } from '../shared/seed-seal.ts'
import { loadConfig } from '../signer/config.ts'
import { signEd25519 } from '../signer/crypto/ed25519.ts'
import { createKeyring } from '../signer/crypto/keyring.ts'
import { createDispatcher } from '../signer/dispatch.ts'
import { newAccountId } from '../signer/methods/store-account.ts'
import { loadSecrets } from '../signer/secrets.ts'
import { openStore } from '../signer/store/open.ts'

import { createProver } from '../test/signer/proofs.ts'

const ROOT = join(import.meta.dirname, '..')
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8)
const work = mkdtempSync(join(tmpdir(), 'tuxedo-bench-'))
const pki = ensurePki(join(work, 'pki'))
const env = {
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

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0

type Row = {
  name: string
  concurrency: number | null
  perSec: number
  p50Ms: number | null
  p99Ms: number | null
  errors: number
}

function timeLoop(name: string, n: number, fn: (i: number) => void): Row {
  const lat: number[] = new Array(n)
  for (let i = 0; i < Math.min(200, n); i++) fn(i) // warm-up
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const s = performance.now()
    fn(i)
    lat[i] = performance.now() - s
  }
  const secs = (performance.now() - t0) / 1000
  lat.sort((a, b) => a - b)
  return { name, concurrency: null, perSec: n / secs, p50Ms: pct(lat, 0.5), p99Ms: pct(lat, 0.99), errors: 0 }
}

/** timeLoop for an asynchronous step, one at a time (each awaited before the next starts). */
async function timeLoopAsync(name: string, n: number, fn: (i: number) => Promise<void>): Promise<Row> {
  const lat: number[] = new Array(n)
  for (let i = 0; i < Math.min(200, n); i++) await fn(i) // warm-up
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const s = performance.now()
    await fn(i)
    lat[i] = performance.now() - s
  }
  const secs = (performance.now() - t0) / 1000
  lat.sort((a, b) => a - b)
  return { name, concurrency: null, perSec: n / secs, p50Ms: pct(lat, 0.5), p99Ms: pct(lat, 0.99), errors: 0 }
}

function rawSigning(): Row[] {
  const data = randomBytes(32)
  const seed = new Uint8Array(kp.rawSecretKey())
  return [
    timeLoop('raw: stellar-sdk Keypair.sign', 3000, () => kp.sign(data)),
    timeLoop('raw: node:crypto Ed25519 (key object per call)', 30_000, () => signEd25519(seed, data)),
  ]
}

async function inProcessFloor(): Promise<Row> {
  const secrets = loadSecrets(env)
  const store = await openStore({ dataDir: join(work, 'floor'), databaseUrl: undefined }, secrets)
  const keyring = createKeyring(secrets)
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
  // Stored directly (accounts.import needs a passkey proof; bench/user-proof.ts measures that path).
  const accountId = newAccountId()
  const publicKey = kp.publicKey()
  const account = {
    id: accountId,
    user_id: 'bench',
    public_key: publicKey,
    kind: 'user',
    name: null,
    ciphertext: keyring.seal({ userId: 'bench', accountId, publicKey }, new Uint8Array(kp.rawSecretKey())),
    key_version: keyring.sealingKeyId,
    created_at: new Date().toISOString(),
  } as const
  await store.transaction('bench', (tx) => tx.accounts.insert(account))
  const row = await timeLoopAsync('in-process floor: tx.sign (no network)', 20_000, async () => {
    const r = await dispatch('tx.sign', {
      requestId: `req_${randomUUID()}`,
      issuedAt: Date.now(),
      userId: 'bench',
      params: { accountId, xdr },
    })
    if (r.status !== 200) throw new Error(r.body)
  })
  await store.close()
  return row
}

function startChild(): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = spawn(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'signer/main.ts')], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    let ready = false
    child.stdout.on('data', (c: Buffer) => {
      // Request logs stay on (an honest production setting); they are drained and dropped here.
      if (ready) return
      out += c.toString()
      const line = out.split('\n').find((l) => l.includes('signer listening'))
      if (line) {
        ready = true
        resolve({
          port: JSON.parse(line).port,
          stop: () =>
            new Promise((r) => {
              child.on('exit', () => r())
              child.kill('SIGTERM')
            }),
        })
      }
    })
    child.on('exit', (code) => reject(new Error(`signer exited ${code}: ${out}`)))
  })
}

const tls = {
  ca: readFileSync(pki.caCert),
  cert: readFileSync(pki.clientCert),
  key: readFileSync(pki.clientKey),
  servername: 'localhost',
}

function rpc(
  port: number,
  method: string,
  params: unknown,
  verb = 'POST',
): Promise<{ ok: boolean; result: { accountId: string; hpkePublicKey: string } }> {
  const agent = new Agent(tls)
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({
      requestId: `req_${randomUUID()}`,
      issuedAt: Date.now(),
      userId: 'bench',
      params,
    })
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: `/v1/${method}`,
        method: verb,
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c
        })
        res.on('end', () => {
          agent.destroy()
          resolve(JSON.parse(text))
        })
      },
    )
    req.on('error', reject)
    // A GET carries no body: Node's parser answers 400 to bytes after a GET without a length.
    req.end(verb === 'GET' ? undefined : body)
  })
}

type CannonResult = {
  requests: { average: number }
  latency: { p50: number; p99: number }
  non2xx: number
  errors: number
  timeouts: number
}

async function overMtls(port: number, accountId: string, connections: number): Promise<Row> {
  const result: CannonResult = await autocannon({
    url: `https://127.0.0.1:${port}/v1/tx.sign`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections,
    pipelining: 1,
    duration: connections === 1 ? Math.max(3, DURATION_S / 2) : DURATION_S,
    tlsOptions: tls,
    requests: [
      {
        method: 'POST',
        // Every request needs its own requestId and a fresh issuedAt, or it would be a replay.
        setupRequest: (req: Record<string, unknown>) => ({
          ...req,
          body: JSON.stringify({
            requestId: `req_${randomUUID()}`,
            issuedAt: Date.now(),
            userId: 'bench',
            params: { accountId, xdr },
          }),
        }),
      },
    ],
  })
  return {
    name: 'mTLS tx.sign (autocannon, keep-alive)',
    concurrency: connections,
    perSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [...rawSigning(), await inProcessFloor()]
  const signer = await startChild()
  try {
    const prover = createProver(
      async (method, params) => {
        const body = await rpc(signer.port, method, params)
        return { status: body.ok ? 200 : 400, body }
      },
      'http://localhost:8787',
      'localhost',
    )
    // Sealed to the attested key, as the browser does (shared/seed-seal.ts).
    const doc = await rpc(signer.port, 'attestation', undefined, 'GET')
    const sealed = await sealTo(
      fromHex(doc.result.hpkePublicKey) ?? new Uint8Array(0),
      new TextEncoder().encode(kp.secret()),
      sealInfo('accounts.import', 'bench', null),
    )
    const imported = (await prover.proven('accounts.import', { sealed }, { userId: 'bench' })).body
    if (!imported.ok) throw new Error('import failed')
    for (const c of [1, 16, 64]) rows.push(await overMtls(signer.port, imported.result.accountId, c))
  } finally {
    await signer.stop()
  }
  const floor = rows.find((r) => r.name.startsWith('in-process'))?.perSec ?? 1
  const native = rows.find((r) => r.name.includes('node:crypto'))?.perSec ?? 1
  const fmt = (n: number | null, d = 2) => (n === null ? '—' : n.toFixed(d))
  const lines = [
    `Signer benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, ${DURATION_S}s per run`,
    '',
    '| measurement | concurrency | ops/s | p50 ms | p99 ms | errors | vs floor | vs native sign |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.concurrency ?? '—'} | ${Math.round(r.perSec)} | ${fmt(r.p50Ms, 3)} | ${fmt(r.p99Ms, 3)} | ${r.errors} | ${fmt(r.perSec / floor)} | ${fmt(r.perSec / native)} |`,
    ),
  ]
  const c64 = rows.find((r) => r.concurrency === 64)
  const target =
    c64 !== undefined &&
    c64.perSec >= 3000 &&
    (c64.p99Ms ?? Number.POSITIVE_INFINITY) < 25 &&
    c64.errors === 0
  lines.push('', `Target (c=64: ≥ 3,000 tx/s, p99 < 25 ms, no errors): ${target ? 'MET' : 'NOT MET'}`)
  process.stdout.write(`${lines.join('\n')}\n`)
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
  writeFileSync(
    join(ROOT, 'bench/results/signer.json'),
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: cpus().length, durationS: DURATION_S, rows, targetMet: target }, null, 2)}\n`,
  )
}

await main()
