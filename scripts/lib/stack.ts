/**
 * The back half of the local stack, shared by `npm run dev` and the test set-up: redis-server, the
 * Upstash REST bridge in front of it, and the signer process with mTLS certificates.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ensurePki, type Pki, spkiPinOfFile } from './certs.ts'
import { type RedisHandle, startRedis } from './redis.ts'
import type { DevSecrets } from './secrets.ts'
import { type SignerHandle, startSignerProcess } from './signer-process.ts'
import { type Bridge, startUpstashBridge } from './upstash-bridge.ts'

export type NetworkVars = Readonly<Record<string, string>>

export type Stack = {
  readonly pki: Pki
  readonly redis: RedisHandle
  readonly bridge: Bridge
  readonly signer: SignerHandle
  stop(): Promise<void>
}

type SignerEnvOptions = {
  readonly secrets: DevSecrets
  readonly network: NetworkVars
  readonly pki: Pki
  readonly dataDir: string
  readonly port?: number
  readonly healthPort?: number
  readonly rp?: { id: string; origins: string }
}

/** The development signer's environment (shared by the stack's signer and the tests' extra replicas). */
export function signerEnvFor(o: SignerEnvOptions): Record<string, string> {
  return {
    ENVIRONMENT: 'development',
    ENCRYPTION_MASTER_KEY: o.secrets.ENCRYPTION_MASTER_KEY,
    SERVER_SALT_SECRET: o.secrets.SERVER_SALT_SECRET,
    SIGNER_DATA_DIR: o.dataDir,
    SIGNER_HOST: '127.0.0.1',
    SIGNER_PORT: String(o.port ?? 0),
    SIGNER_HEALTH_PORT: String(o.healthPort ?? 0),
    SIGNER_TLS_CERT: o.pki.serverCert,
    SIGNER_TLS_KEY: o.pki.serverKey,
    SIGNER_CLIENT_CA: o.pki.caCert,
    // Only the edge's own certificate, not whatever else this CA signs.
    SIGNER_CLIENT_SPKI_PINS: spkiPinOfFile(o.pki.clientCert),
    ATTESTATION_MODE: 'insecure-dev',
    SIGNER_RP_ID: o.rp?.id ?? 'localhost',
    SIGNER_RP_ORIGINS: o.rp?.origins ?? 'http://localhost:8787',
    ...o.network,
  }
}

export async function startStack(opts: {
  root: string
  stateDir: string
  secrets: DevSecrets
  network: NetworkVars
  ports?: { redis?: number; bridge?: number; signer?: number; signerHealth?: number }
  echoSigner?: boolean
  /** The WebAuthn relying party the signer pins (default: the development RP of wrangler.toml). */
  rp?: { id: string; origins: string }
}): Promise<Stack> {
  const pki = ensurePki(join(opts.stateDir, 'pki'))
  const redis = await startRedis(join(opts.stateDir, 'redis'), opts.ports?.redis)
  const stopAll: (() => Promise<void>)[] = [() => redis.stop()]
  try {
    const bridge = await startUpstashBridge({
      redisUrl: redis.url,
      token: opts.secrets.UPSTASH_REDIS_REST_TOKEN,
      ...(opts.ports?.bridge ? { port: opts.ports.bridge } : {}),
    })
    stopAll.unshift(() => bridge.close())
    const dataDir = join(opts.stateDir, 'signer-data')
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const signer = await startSignerProcess(
      signerEnvFor({
        secrets: opts.secrets,
        network: opts.network,
        pki,
        dataDir,
        ...(opts.ports?.signer ? { port: opts.ports.signer } : {}),
        ...(opts.ports?.signerHealth ? { healthPort: opts.ports.signerHealth } : {}),
        ...(opts.rp ? { rp: opts.rp } : {}),
      }),
      { cwd: opts.root, logFile: join(opts.stateDir, 'signer.log'), echo: opts.echoSigner ?? false },
    )
    stopAll.unshift(() => signer.stop())
    // Whatever ends this process (a signal handled by Miniflare's own exit hook, an uncaught error),
    // the children go with it: nothing is left listening after the stack's owner is gone.
    process.once('exit', () => {
      for (const child of [signer.process, redis.process]) if (child.exitCode === null) child.kill('SIGTERM')
    })
    return {
      pki,
      redis,
      bridge,
      signer,
      stop: async () => {
        for (const stop of stopAll) await stop().catch(() => {})
      },
    }
  } catch (e) {
    for (const stop of stopAll) await stop().catch(() => {})
    throw e
  }
}
