/**
 * startSigner: open the store, then listen (mTLS RPC + optional loopback health). Used by main.ts and
 * by tests that run the signer in-process. close() drains in-flight requests, then closes the database.
 */
import { hkdfSync, randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { collectEvidence } from './attestation/evidence.ts'
import { createResponseKey } from './attestation/response-key.ts'
import { createSealingKey } from './attestation/sealing-key.ts'
import type { SignerConfig } from './config.ts'
import { createKeyring } from './crypto/keyring.ts'
import { fetchKmsMasterKey } from './crypto/kms-master-key.ts'
import { createDispatcher, errorReply, type Reply } from './dispatch.ts'
import { createLogger, type SignerLogger } from './log.ts'
import { prepare, wipePrepared } from './prepare.ts'
import { wipeSecrets, withKmsKey } from './secrets.ts'
import { createHealthServer, createRpcServer } from './server.ts'
import { openStore } from './store/open.ts'
import { StoreTamperedError, StoreUnavailableError } from './store/types.ts'
import { checkUserProof } from './user-proof/verify.ts'

/** Methods whose params may carry a WebAuthn assertion or registration for the pre-check. */
const PROOF_METHODS = new Set([
  'accounts.delete',
  'accounts.export',
  'accounts.import',
  'approvals.approve',
  'policy.set',
  'users.register',
  'passkeys.add',
  'passkeys.remove',
])

export type StartOptions = {
  readonly logger?: SignerLogger
  /** Epoch milliseconds; tests move it to exercise the issuedAt window. */
  readonly clock?: () => number
  /** How long close() waits for in-flight requests before cutting connections. */
  readonly drainTimeoutMs?: number
}

export type RunningSigner = {
  readonly port: number
  readonly healthPort: number | undefined
  close(): Promise<void>
}

const listen = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })

export async function startSigner(config: SignerConfig, opts: StartOptions = {}): Promise<RunningSigner> {
  const log = opts.logger ?? createLogger()
  // Before the database opens: a signer that cannot prove where it runs does not start (tdx fails closed).
  const responseKey = createResponseKey()
  const sealingKey = await createSealingKey()
  const document = await collectEvidence(responseKey.publicKey, sealingKey.publicKey, config.attestation)
  if (document.mode === 'insecure-dev') {
    log.warn(
      { attestation: 'insecure-dev', environment: config.environment },
      '!!! INSECURE: ATTESTATION_MODE=insecure-dev, no TEE, no quote; responses are signed by an unattested key. Development only. !!!',
    )
  }
  // The master key: from the KMS in tdx (no person ever holds it), from the environment in insecure-dev.
  const secrets =
    config.secrets.kind === 'env'
      ? config.secrets.secrets
      : withKmsKey(config.secrets.inputs, await fetchKmsMasterKey(config.attestation.dstackEndpoint))
  const store = await openStore(config, secrets, log)
  const keyring = createKeyring(secrets)
  const clock = opts.clock ?? Date.now
  const fingerprintKey = new Uint8Array(
    hkdfSync('sha256', secrets.salt, new Uint8Array(0), 'tuxedo/signer/request-fingerprint/v1', 32),
  )
  const recoveryKey = new Uint8Array(
    hkdfSync('sha256', secrets.salt, new Uint8Array(0), 'tuxedo/signer/recovery-code/v1', 32),
  )
  const dispatch = createDispatcher({
    store,
    keyring,
    networkPassphrase: config.network.passphrase,
    fingerprintKey,
    clock: opts.clock ?? Date.now,
    policy: config.policy,
    newId: (prefix) => `${prefix}_${randomBytes(16).toString('base64url')}`,
    nonce: () => new Uint8Array(randomBytes(16)),
    recoveryKey,
  })
  // Two asynchronous steps run before the request's transaction: the WebAuthn signature check (the
  // transaction then decides everything that could race: challenge spent, counter, UV), then HPKE (an
  // import's seal opened; an export sealed only when its pre-checked proof commits to this very export).
  // Both read through the store on their own; a store fault there is answered like one in the request.
  // Plaintext is zeroed once the reply exists.
  const handle = async (method: string, body: unknown): Promise<Reply> => {
    let checked: Awaited<ReturnType<typeof checkUserProof>>
    let prepared: Awaited<ReturnType<typeof prepare>>
    try {
      checked = PROOF_METHODS.has(method) ? await checkUserProof(config.rp, store, body) : {}
      prepared = await prepare({ store, keyring, sealingKey, clock }, method, body, checked)
    } catch (e) {
      if (e instanceof StoreUnavailableError)
        return errorReply({ code: 'ERR_SIGNER_UNAVAILABLE', message: 'signer database unavailable' })
      if (e instanceof StoreTamperedError)
        return errorReply({
          code: 'ERR_SIGNER_STORE_TAMPERED',
          message: 'the signer refused: stored data failed its integrity check',
        })
      throw e
    }
    try {
      return await dispatch(method, body, checked, prepared)
    } finally {
      wipePrepared(prepared)
    }
  }
  const rpc = createRpcServer(config.tls, handle, log, {
    key: responseKey,
    document,
    clock: opts.clock ?? Date.now,
  })
  const health = config.healthPort === undefined ? undefined : createHealthServer()
  let port: number
  let healthPort: number | undefined
  try {
    port = await listen(rpc.server, config.port, config.host)
    // Loopback only: the container's health check runs inside it; nothing outside needs this port.
    healthPort =
      health && config.healthPort !== undefined
        ? await listen(health, config.healthPort, '127.0.0.1')
        : undefined
  } catch (e) {
    rpc.server.close()
    health?.close()
    await store.close()
    throw e
  }
  const prune = setInterval(() => {
    store.prune(Date.now()).catch((e: unknown) => {
      log.error({ err: { name: (e as Error).name, message: (e as Error).message } }, 'prune failed')
    })
  }, 60_000)
  prune.unref()
  log.info(
    {
      port,
      healthPort: healthPort ?? null,
      network: config.network.name,
      keyId: keyring.sealingKeyId,
      attestation: document.mode,
      responseKeyId: responseKey.keyId,
    },
    'signer listening',
  )

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      rpc.startDraining()
      clearInterval(prune)
      const closed = new Promise<void>((resolve) => rpc.server.close(() => resolve()))
      rpc.server.closeIdleConnections()
      const deadline = Date.now() + (opts.drainTimeoutMs ?? 10_000)
      while (rpc.inflight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
      rpc.server.closeAllConnections()
      await closed
      if (health) await new Promise<void>((resolve) => health.close(() => resolve()))
      await store.close()
      keyring.wipe()
      wipeSecrets(secrets)
      fingerprintKey.fill(0)
      recoveryKey.fill(0)
      log.info({}, 'signer stopped')
    })()
    return closing
  }
  return { port, healthPort, close }
}
