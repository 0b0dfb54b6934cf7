/**
 * Test support for the signer: throwaway PKI and secrets, an in-process signer on loopback with its logs
 * captured, an mTLS client that speaks the envelope, and the leak guard that scans everything the suite's
 * signers printed or answered for secret seeds and key material. The client seals like the browser does:
 * `accounts.import` given `{secret}` sends it HPKE-sealed to the key in the signer's attestation document,
 * and `accounts.export` without a `recipientPublicKey` uses the client's ephemeral key and opens the reply
 * into `result.secret` (after the sealed wire bytes were recorded for the leak guard).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect } from 'vitest'
import { ensurePki, type Pki, spkiPinOfFile } from '../../scripts/lib/certs.ts'
import { AttestationResponseSchema, fromHex } from '../../shared/attestation.ts'
import { SealedSeedSchema } from '../../shared/schemas/sealed-seed.ts'
import { openWith, sealInfo, sealSuite, sealTo, toBase64url } from '../../shared/seed-seal.ts'
import { loadConfig } from '../../signer/config.ts'
import { createLogger } from '../../signer/log.ts'
import { type RunningSigner, startSigner } from '../../signer/start.ts'
import { createProver } from './proofs.ts'

export const SEED_RE = /\bS[A-Z2-7]{55}\b/

/** Every log line and response body seen by this test file (exports too: they are sealed on the wire). */
const seen: string[] = []
const secretsInPlay = new Set<string>()

export const record = (text: string): void => {
  seen.push(text)
}

/** Registers an afterAll that fails the file if any seed, master key or salt appears in captured output. */
export function guardAgainstLeaks(): void {
  afterAll(() => {
    const all = seen.join('\n')
    expect(SEED_RE.exec(all)?.[0]).toBeUndefined()
    for (const s of secretsInPlay) expect(all.includes(s)).toBe(false)
  })
}

let pkiCache: { pki: Pki; wrong: Pki } | undefined
export function testPki(): { pki: Pki; wrong: Pki } {
  if (!pkiCache) {
    const dir = mkdtempSync(join(tmpdir(), 'tuxedo-signer-pki-'))
    pkiCache = { pki: ensurePki(dir), wrong: ensurePki(dir, 'wrong-') }
  }
  return pkiCache
}

/** The relying party the test signers pin (the edge's development RP). */
export const TEST_RP_ID = 'localhost'
export const TEST_RP_ORIGIN = 'http://localhost:8787'

export const randomMasterKey = (): string => randomBytes(32).toString('base64')

/** A complete, valid environment for a signer in a fresh data dir. */
export function testEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const { pki } = testPki()
  const env: Record<string, string | undefined> = {
    ENCRYPTION_MASTER_KEY: randomMasterKey(),
    SERVER_SALT_SECRET: randomBytes(24).toString('base64'),
    SIGNER_DATA_DIR: mkdtempSync(join(tmpdir(), 'tuxedo-signer-data-')),
    SIGNER_HOST: '127.0.0.1',
    SIGNER_PORT: '0',
    SIGNER_HEALTH_PORT: '0',
    SIGNER_TLS_CERT: pki.serverCert,
    SIGNER_TLS_KEY: pki.serverKey,
    SIGNER_CLIENT_CA: pki.caCert,
    SIGNER_CLIENT_SPKI_PINS: spkiPinOfFile(pki.clientCert),
    STELLAR_NETWORK: 'testnet',
    ENVIRONMENT: 'development',
    ATTESTATION_MODE: 'insecure-dev',
    SIGNER_RP_ID: TEST_RP_ID,
    SIGNER_RP_ORIGINS: TEST_RP_ORIGIN,
    ...overrides,
  }
  for (const k of ['ENCRYPTION_MASTER_KEY', 'ENCRYPTION_MASTER_KEY_NEXT', 'SERVER_SALT_SECRET'] as const) {
    const v = env[k]
    if (v) secretsInPlay.add(v)
  }
  return env
}

/** The union of result fields the tests read; the schemas in shared/ are what the edge relies on. */
export type TestResult = {
  accountId: string
  publicKey: string
  kind: string
  name: string | null
  createdAt: string
  secret: string
  sealed: { enc: string; ciphertext: string }
  deleted: boolean
  signedXdr: string
  hash: string
  accounts: { accountId: string; publicKey: string }[]
  entries: {
    seq: number
    method: string
    accountId: string | null
    decision: string
    reasonCode: string | null
    reason: string | null
    txHash: string | null
  }[]
}

export type RpcReply = {
  status: number
  body: { ok: boolean; result?: TestResult; error?: { code: string; message: string } }
}

export type Envelope = { requestId?: string; issuedAt?: number; userId?: string }

export function createClient(port: number, creds: { cert: string; key: string } | undefined = undefined) {
  const { pki } = testPki()
  const agent = new Agent({
    keepAlive: true,
    ca: readFile(pki.caCert),
    ...(creds ? { cert: readFile(creds.cert), key: readFile(creds.key) } : {}),
    maxSockets: 64,
  })
  const post = (
    path: string,
    payload: string,
    headers: Record<string, string> = {},
    method = 'POST',
  ): Promise<RpcReply> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          agent,
          servername: 'localhost',
          headers: { 'content-type': 'application/json', ...headers },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            const body = JSON.parse(text)
            record(text)
            resolve({ status: res.statusCode ?? 0, body })
          })
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  let signerKey: Promise<Uint8Array> | undefined
  /** The HPKE key from the signer's attestation document, as the browser reads it. */
  const sealingKey = (): Promise<Uint8Array> => {
    signerKey ??= post('/v1/attestation', '', {}, 'GET').then((r) => {
      const doc = AttestationResponseSchema.parse(r.body).result
      return fromHex(doc.hpkePublicKey) ?? new Uint8Array(0)
    })
    return signerKey
  }
  const ephemeral = sealSuite().kem.generateKeyPair()
  const ephemeralPublicKey = ephemeral.then(async (k) =>
    toBase64url(new Uint8Array(await sealSuite().kem.serializePublicKey(k.publicKey))),
  )
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
  /**
   * What the browser sends for `params`: an import's `secret` sealed to the attested key, an export given
   * this client's ephemeral key. Applied before a proof is made, so the proof names the wire params.
   */
  const wireOf = async (method: string, params: unknown, userId: string): Promise<unknown> => {
    if (method === 'accounts.import' && isRecord(params) && typeof params.secret === 'string') {
      const { secret, ...rest } = params
      const info = sealInfo('accounts.import', userId, null)
      return { ...rest, sealed: await sealTo(await sealingKey(), new TextEncoder().encode(secret), info) }
    }
    if (method === 'accounts.export' && isRecord(params) && !('recipientPublicKey' in params)) {
      return { ...params, recipientPublicKey: await ephemeralPublicKey }
    }
    return params
  }
  const call = async (method: string, params: unknown, env: Envelope = {}): Promise<RpcReply> => {
    const userId = env.userId ?? 'user_a'
    const wire = await wireOf(method, params, userId)
    // An export to this client's own ephemeral key is opened here, so tests can read `result.secret`.
    const opensExport =
      method === 'accounts.export' && isRecord(wire) && wire.recipientPublicKey === (await ephemeralPublicKey)
    const reply = await post(
      `/v1/${method}`,
      JSON.stringify({
        requestId: env.requestId ?? `req_${randomUUID()}`,
        issuedAt: env.issuedAt ?? Date.now(),
        userId,
        params: wire,
      }),
    )
    const result = reply.body.result
    if (opensExport && result && isRecord(wire)) {
      const sealed = SealedSeedSchema.parse(result.sealed)
      const info = sealInfo('accounts.export', userId, String(wire.accountId))
      const opened = await openWith(await ephemeral, sealed, info)
      result.secret = opened ? new TextDecoder().decode(opened) : '(did not open)'
    }
    return reply
  }
  // Gated methods (export, import, approve, loosening policy.set) with a real passkey proof: test/signer/proofs.ts.
  const prover = createProver(call, TEST_RP_ORIGIN, TEST_RP_ID, wireOf)
  return {
    call,
    post,
    sealingKey,
    wireOf,
    ephemeralPublicKey: () => ephemeralPublicKey,
    proven: prover.proven,
    prover,
    close: () => agent.destroy(),
  }
}

const readFile = (p: string): string => readFileSync(p, 'utf8')

export type TestSigner = {
  readonly signer: RunningSigner
  readonly env: Record<string, string | undefined>
  readonly client: ReturnType<typeof createClient>
  readonly logs: string[]
  stop(): Promise<void>
}

/** An in-process signer with a good client; logs are captured (and fed to the leak guard). */
export async function startTestSigner(
  opts: { env?: Record<string, string | undefined>; clock?: () => number } = {},
): Promise<TestSigner> {
  const env = opts.env ?? testEnv()
  const logs: string[] = []
  const logger = createLogger(
    {
      write(line: string) {
        logs.push(line)
        record(line)
      },
    },
    'debug',
  )
  const signer = await startSigner(loadConfig(env), { logger, ...(opts.clock ? { clock: opts.clock } : {}) })
  const { pki } = testPki()
  const client = createClient(signer.port, { cert: pki.clientCert, key: pki.clientKey })
  return {
    signer,
    env,
    client,
    logs,
    stop: async () => {
      client.close()
      await signer.close()
    },
  }
}
