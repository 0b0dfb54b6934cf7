/**
 * The whole product on loopback for the reliability suite, with the handles a failure test needs that the
 * dev stack does not expose: stop and restart Redis on the same port, SIGKILL and restart the signer on the
 * same port and data folder, and any number of edges (Miniflare serving the wrangler-built Worker) whose
 * console output is captured for the secret scan. With `replicas: n` it runs n signer processes of one
 * deployment (replicas.ts; the tests give them one SIGNER_DATABASE_URL), replica 0 being `signer()`.
 * Everything listens on 127.0.0.1 only.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { Log, LogLevel, Miniflare } from 'miniflare'
import { createSession } from '../../../edge/auth/sessions.ts'
import { ensurePki, type Pki, spkiPinOfFile } from '../../../scripts/lib/certs.ts'
import { applyMigrations, buildEdge, edgeOptions } from '../../../scripts/lib/edge-runtime.ts'
import { freePort } from '../../../scripts/lib/ports.ts'
import { type RedisHandle, startRedis } from '../../../scripts/lib/redis.ts'
import { type DevSecrets, freshSecrets } from '../../../scripts/lib/secrets.ts'
import type { SignerHandle } from '../../../scripts/lib/signer-process.ts'
import { type StandIns, startStandIns } from '../../../scripts/lib/stand-ins.ts'
import { type SignerReplica, startReplica } from './replicas.ts'

export const ROOT = join(import.meta.dirname, '../../..')
export const OPENAI_TEST_KEY = 'sk-test-reliability-scripted-model'

export type Edge = {
  readonly url: string
  readonly mf: Miniflare
  /** Every line the Worker printed (console.log/error), for the secret scan. */
  readonly console: string[]
  /** A user (created if missing) and a fresh session token for it, in this edge's D1. */
  session(userId: string, opts?: { reauth?: boolean }): Promise<string>
  /** Every stored thread message (the D1 `messages` table) as text. */
  dumpThreads(): Promise<string>
  stop(): Promise<void>
}

export type ReliabilityStack = {
  readonly work: string
  readonly secrets: DevSecrets
  readonly pki: Pki
  readonly standIns: StandIns
  readonly bridge: { readonly url: string }
  readonly signerDataDir: string
  readonly signerLogFile: string
  readonly signerEnv: Readonly<Record<string, string>>
  /** Every signer process, replica 0 first (the one `signer()` and `restartSigner()` act on). */
  readonly replicas: readonly SignerReplica[]
  redis(): RedisHandle
  signer(): SignerHandle
  restartRedis(): Promise<void>
  restartSigner(): Promise<void>
  startEdge(vars?: Readonly<Record<string, string>>): Promise<Edge>
  /** Every session token handed out, for the secret scan. */
  readonly sessionTokens: string[]
  stop(): Promise<void>
}

export async function startReliabilityStack(
  opts: { signerEnv?: Readonly<Record<string, string>>; replicas?: number } = {},
): Promise<ReliabilityStack> {
  const work = mkdtempSync(join(tmpdir(), 'tuxedo-reliability-'))
  const secrets = freshSecrets()
  const pki = ensurePki(join(work, 'pki'))
  const standIns = await startStandIns()
  const redisPort = await freePort()
  let redis = await startRedis(join(work, 'redis'), redisPort)
  const bridge = await startBridgeProcess(redis.url, secrets.UPSTASH_REDIS_REST_TOKEN)
  // What every replica shares: one deployment's secrets, TLS identity and policy (replicas.ts adds the ports
  // and data folder of each).
  const sharedEnv: Record<string, string> = {
    ENVIRONMENT: 'development',
    ENCRYPTION_MASTER_KEY: secrets.ENCRYPTION_MASTER_KEY,
    SERVER_SALT_SECRET: secrets.SERVER_SALT_SECRET,
    SIGNER_HOST: '127.0.0.1',
    SIGNER_TLS_CERT: pki.serverCert,
    SIGNER_TLS_KEY: pki.serverKey,
    SIGNER_CLIENT_CA: pki.caCert,
    SIGNER_RP_ID: 'localhost',
    SIGNER_RP_ORIGINS: 'http://localhost:8787',
    SIGNER_CLIENT_SPKI_PINS: spkiPinOfFile(pki.clientCert),
    ATTESTATION_MODE: 'insecure-dev',
    ...standIns.networkVars,
    ...opts.signerEnv,
  }
  // One after another: the first one to open a fresh database migrates it.
  const replicas: SignerReplica[] = []
  for (let i = 0; i < (opts.replicas ?? 1); i++)
    replicas.push(await startReplica(i, { root: ROOT, work, env: sharedEnv }))
  const [primary] = replicas
  if (!primary) throw new Error('replicas must be at least 1')
  const outDir = join(work, 'edge-dist')
  const scriptPath = buildEdge(ROOT, outDir, 'development')
  const edges: Edge[] = []
  const sessionTokens: string[] = []

  const startEdge = async (vars: Readonly<Record<string, string>> = {}): Promise<Edge> => {
    const lines: string[] = []
    const capture = (stream: Readable) => {
      let rest = ''
      stream.on('data', (d: Buffer) => {
        const parts = (rest + d.toString('utf8')).split('\n')
        rest = parts.pop() ?? ''
        lines.push(...parts)
      })
      stream.on('end', () => {
        if (rest) lines.push(rest)
      })
    }
    const persistDir = mkdtempSync(join(work, 'edge-'))
    const mf = new Miniflare({
      ...edgeOptions(
        {
          root: ROOT,
          outDir,
          persistDir,
          port: await freePort(),
          vars: {
            ...standIns.networkVars,
            // One signer: SIGNER_URL; replicas: SIGNER_URLS, the first preferred (the edge refuses both).
            ...(replicas.length === 1
              ? { SIGNER_URL: primary.url }
              : // '' unsets wrangler.toml's SIGNER_URL (the edge's config reads empty as unset).
                { SIGNER_URL: '', SIGNER_URLS: replicas.map((r) => r.url).join(',') }),
            UPSTASH_REDIS_REST_URL: bridge.url,
            UPSTASH_REDIS_REST_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN,
            AUTH_SECRET: secrets.AUTH_SECRET,
            OPENAI_API_KEY: OPENAI_TEST_KEY,
            OPENAI_BASE_URL: standIns.model.url,
            ...vars,
          },
          mtls: { clientCert: pki.clientCert, clientKey: pki.clientKey, caCert: pki.caCert },
        },
        scriptPath,
      ),
      // Miniflare's per-request lines would drown the report; the Worker's own console is captured below.
      log: new Log(LogLevel.WARN),
      handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
        capture(stdout)
        capture(stderr)
      },
    })
    const url = (await mf.ready).toString().replace(/\/$/, '')
    await applyMigrations(mf, ROOT)
    const db = await mf.getD1Database('DB')
    const edge: Edge = {
      url,
      mf,
      console: lines,
      session: async (userId, o = {}) => {
        const now = Date.now()
        await db
          .prepare('INSERT OR IGNORE INTO users (id, email, created_at) VALUES (?, ?, ?)')
          .bind(userId, `${userId}@reliability.test`, now)
          .run()
        const { token } = await createSession(
          db as unknown as Parameters<typeof createSession>[0],
          userId,
          now,
          o,
        )
        sessionTokens.push(token)
        return token
      },
      dumpThreads: async () => {
        const rows = await db.prepare('SELECT * FROM messages').all()
        const threads = await db.prepare('SELECT * FROM threads').all()
        return JSON.stringify([rows.results, threads.results])
      },
      stop: () => mf.dispose(),
    }
    edges.push(edge)
    return edge
  }

  return {
    work,
    secrets,
    pki,
    standIns,
    bridge,
    signerDataDir: primary.dataDir,
    signerLogFile: primary.logFile,
    signerEnv: primary.env,
    replicas,
    sessionTokens,
    redis: () => redis,
    signer: () => primary.handle(),
    restartRedis: async () => {
      await redis.stop()
      redis = await startRedis(join(work, 'redis'), redisPort)
    },
    restartSigner: () => primary.restart(),
    startEdge,
    stop: async () => {
      for (const e of edges) await e.stop().catch(() => {})
      for (const r of replicas) await r.stop().catch(() => {})
      await bridge.close().catch(() => {})
      await redis.stop().catch(() => {})
      await standIns.stop().catch(() => {})
      rmSync(work, { recursive: true, force: true })
    },
  }
}

/** The Upstash bridge in a child process (see bridge-process.ts); stopped by closing its stdin. */
async function startBridgeProcess(
  redisUrl: string,
  token: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'bridge-process.ts'), redisUrl], {
    env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', BRIDGE_TOKEN: token },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  process.once('exit', () => child.kill('SIGKILL'))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bridge did not start within 10 s')), 10_000)
    child.once('exit', (code) => reject(new Error(`bridge exited with ${code}`)))
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer)
      resolve((JSON.parse(line) as { url: string }).url)
    })
  })
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        const kill = setTimeout(() => child.kill('SIGKILL'), 3_000)
        child.once('exit', () => {
          clearTimeout(kill)
          resolve()
        })
        child.stdin.end()
      }),
  }
}

export const readLog = (file: string): string => {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
