/**
 * `npm run bench:user-proof`: what the signer's own passkey check costs per approval and per export.
 * Threats the measured code stops: a compromised edge exporting, approving or loosening without the user
 * (issue 13); this bench says what that protection adds to the user's wait.
 *
 * A real signer in-process (insecure-dev attestation, mTLS on loopback, one keep-alive client), the software
 * authenticator signing outside the timed spans (its time is the user's touch, not ours). Per operation the
 * edge now makes one more signer round trip (user.challenge, in the options call) and the signer verifies one
 * ECDSA assertion in the action call. Rows:
 *   - user.challenge round trip;
 *   - approvals.approve with a proof vs approvals.reject (the same state change, no proof);
 *   - accounts.export with a proof vs accounts.get (same lookup, no decrypt, no proof);
 *   - the WebAuthn check alone (checkUserProof, in-process).
 * Added per approval = challenge + (approve − reject); per export = challenge + verify (the decrypt was
 * always there). Writes bench/results/user-proof.json.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Keypair } from '@stellar/stellar-sdk/base'
import { ensurePki, spkiPinOfFile } from '../scripts/lib/certs.ts'
import { fromHex } from '../shared/attestation.ts'
import { sealInfo, sealSuite, sealTo, toBase64url } from '../shared/seed-seal.ts'
import { loadConfig } from '../signer/config.ts'
import { createLogger } from '../signer/log.ts'
import { loadSecrets } from '../signer/secrets.ts'
import { startSigner } from '../signer/start.ts'
import { openStore } from '../signer/store/open.ts'
import { checkUserProof } from '../signer/user-proof/verify.ts'
import { buildTx, pay, randomKey } from '../test/signer/policy-fixtures.ts'
import { createProver, operationOf } from '../test/signer/proofs.ts'

const ROOT = join(import.meta.dirname, '..')
const N = Number(process.env.BENCH_USER_PROOF_N ?? 200)
const ORIGIN = 'http://localhost:8787'
const RP_ID = 'localhost'
const work = mkdtempSync(join(tmpdir(), 'tuxedo-bench-proof-'))
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
  SIGNER_CLIENT_SPKI_PINS: spkiPinOfFile(pki.clientCert),
  STELLAR_NETWORK: 'testnet',
  ENVIRONMENT: 'development',
  ATTESTATION_MODE: 'insecure-dev',
  SIGNER_RP_ID: RP_ID,
  SIGNER_RP_ORIGINS: ORIGIN,
  // Every transaction asks for approval, and the day never runs out.
  SIGNER_POLICY_DEFAULTS: JSON.stringify({
    assets: [{ asset: 'native', perTx: '100', daily: '900000000000', approvalAbove: '1' }],
  }),
}

type Reply = { status: number; body: { ok: boolean; result?: Record<string, unknown>; error?: unknown } }

const config = loadConfig(env)
const signer = await startSigner(config, { logger: createLogger({ write: () => {} }, 'error') })
const agent = new Agent({
  keepAlive: true,
  ca: readFileSync(pki.caCert, 'utf8'),
  cert: readFileSync(pki.clientCert, 'utf8'),
  key: readFileSync(pki.clientKey, 'utf8'),
})
const call = (method: string, params: unknown, e: { userId?: string } = {}): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: signer.port,
        path: `/v1/${method}`,
        method: 'POST',
        agent,
        servername: 'localhost',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        )
      },
    )
    req.on('error', reject)
    req.end(
      JSON.stringify({
        requestId: `b_${randomUUID()}`,
        issuedAt: Date.now(),
        userId: e.userId ?? 'bench',
        params,
      }),
    )
  })

const ms = () => performance.now()
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0
}
type Row = { name: string; p50: number; p99: number; n: number }
const row = (name: string, xs: number[]): Row => ({ name, p50: pct(xs, 50), p99: pct(xs, 99), n: xs.length })

function must(r: Reply, what: string): Record<string, unknown> {
  if (r.status !== 200 || !r.body.result) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.result
}

/** The signer's attested HPKE key (GET /v1/attestation), as the page reads it. */
const hpkeKey = await new Promise<Uint8Array>((resolve, reject) => {
  const req = request(
    {
      host: '127.0.0.1',
      port: signer.port,
      path: '/v1/attestation',
      method: 'GET',
      agent,
      servername: 'localhost',
    },
    (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const doc = JSON.parse(Buffer.concat(chunks).toString()) as { result: { hpkePublicKey: string } }
        resolve(fromHex(doc.result.hpkePublicKey) ?? new Uint8Array(0))
      })
    },
  )
  req.on('error', reject)
  req.end()
})
const prover = createProver(call, ORIGIN, RP_ID)
const authenticator = await prover.enrol('bench')
const kp = Keypair.random()
// Sealed to the attested key, as the browser does; the proof names the sealed payload.
const sealed = await sealTo(
  hpkeKey,
  new TextEncoder().encode(kp.secret()),
  sealInfo('accounts.import', 'bench', null),
)
const accountId = String(
  must(await prover.proven('accounts.import', { sealed }, { userId: 'bench' }), 'import').accountId,
)
/** The page's ephemeral key for exports (the proof commits to it). */
const recipientPublicKey = toBase64url(
  new Uint8Array(
    await sealSuite().kem.serializePublicKey((await sealSuite().kem.generateKeyPair()).publicKey),
  ),
)

async function pending(): Promise<string> {
  const xdr = buildTx({
    source: kp.publicKey(),
    ops: [pay(randomKey(), '5')],
    maxTime: Math.floor(Date.now() / 1000) + 300,
  })
    .toEnvelope()
    .toXDR('base64')
  const r = await call('tx.sign', { accountId, xdr })
  return (r.body.error as { details: { approvalId: string } }).details.approvalId
}

/** A signed assertion for an operation, made outside any timed span. */
async function assertion(operation: Record<string, unknown>) {
  const c = must(await call('user.challenge', { operation }), 'challenge')
  return authenticator.get({ challenge: String(c.challenge), rpId: RP_ID, userVerification: 'required' })
}

const challengeT: number[] = []
const approveT: number[] = []
const rejectT: number[] = []
const exportT: number[] = []
const getT: number[] = []
const verifyT: number[] = []
// A second connection to the signer's database, as the in-process pre-check reads it.
const store = await openStore({ dataDir: env.SIGNER_DATA_DIR, databaseUrl: undefined }, loadSecrets(env))

for (let i = 0; i < N; i++) {
  const op = { method: 'accounts.export', accountId, recipientPublicKey }
  let t0 = ms()
  must(await call('user.challenge', { operation: op }), 'challenge')
  challengeT.push(ms() - t0)

  const approvalId = await pending()
  const a = await assertion(operationOf('approvals.approve', { approvalId }))
  t0 = ms()
  must(await call('approvals.approve', { approvalId, proof: { assertion: a } }), 'approve')
  approveT.push(ms() - t0)
  const toReject = await pending()
  t0 = ms()
  must(await call('approvals.reject', { approvalId: toReject }), 'reject')
  rejectT.push(ms() - t0)

  const e = await assertion(op)
  const body = { userId: 'bench', params: { accountId, recipientPublicKey, proof: { assertion: e } } }
  t0 = ms()
  await checkUserProof(config.rp, store, body)
  verifyT.push(ms() - t0)
  t0 = ms()
  must(await call('accounts.export', body.params), 'export')
  exportT.push(ms() - t0)
  t0 = ms()
  must(await call('accounts.get', { accountId }), 'get')
  getT.push(ms() - t0)
}

agent.destroy()
await store.close()
await signer.close()

const rows = [
  row('user.challenge round trip (the extra call in each options endpoint)', challengeT),
  row('approvals.approve with proof', approveT),
  row('approvals.reject (same state change, no proof)', rejectT),
  row('accounts.export with proof', exportT),
  row('accounts.get (same lookup, no proof)', getT),
  row('WebAuthn check alone (checkUserProof, in-process)', verifyT),
]
const p50 = (name: string) => rows.find((r) => r.name.startsWith(name))?.p50 ?? 0
const addedApproval = p50('user.challenge') + p50('approvals.approve') - p50('approvals.reject')
const addedExport = p50('user.challenge') + p50('WebAuthn check')
const fmt = (n: number) => n.toFixed(2)
const lines = [
  `User-proof benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, ${N} rounds, one keep-alive mTLS connection`,
  '',
  '| what | p50 ms | p99 ms | n |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.name} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.n} |`),
  `| **added per approval** (challenge + approve − reject, p50) | ${fmt(addedApproval)} | | |`,
  `| **added per export** (challenge + WebAuthn check, p50) | ${fmt(addedExport)} | | |`,
]
console.log(lines.join('\n'))
mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
writeFileSync(
  join(ROOT, 'bench/results/user-proof.json'),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      rounds: N,
      rows,
      addedApprovalMs: addedApproval,
      addedExportMs: addedExport,
    },
    null,
    2,
  ),
)
