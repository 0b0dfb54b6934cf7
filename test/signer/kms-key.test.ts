/**
 * The master key from dstack's KMS in tdx mode. The derivation (HKDF-SHA256 over the KMS answer, the
 * versioned path as info) is pinned by a vector and cross-checked with WebCrypto's HKDF. A tdx signer asks
 * the guest agent (the dstack stand-in) for exactly that path, keeps its data across restarts, and cannot
 * open another app's keystore; a KMS that refuses or answers a short or degenerate key stops the start; a
 * hand-made NEXT key is refused. Migration: rows sealed under an operator's ENCRYPTION_MASTER_KEY open in
 * tdx while it is given, the rotation tool moves them under the KMS key, and then the variable can go.
 */
import { randomBytes } from 'node:crypto'
import { Keypair } from '@stellar/stellar-sdk/base'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/attestation.ts'
import { loadConfig } from '../../signer/config.ts'
import { KMS_KEY_PATH, masterKeyFromKms } from '../../signer/crypto/kms-master-key.ts'
import { dbPath } from '../../signer/store/sqlite/db.ts'
import { type DstackStub, type KmsBehaviour, startDstackStub } from '../support/tdx/dstack-stub.ts'
import { createTestDcap } from '../support/tdx/forge.ts'
import type { SoftAuthenticator } from '../support/webauthn/authenticator.ts'
import { runChild } from './child.ts'
import { guardAgainstLeaks, randomMasterKey, startTestSigner, type TestSigner, testEnv } from './helpers.ts'

guardAgainstLeaks()

const dcap = createTestDcap()
const ROOT = new Uint8Array(randomBytes(32))
let stub: DstackStub
beforeAll(async () => {
  stub = await startDstackStub(dcap, undefined, { kmsRoot: ROOT })
})
afterAll(async () => {
  await stub.close()
})

const tdxEnv = (over: Record<string, string | undefined> = {}) =>
  testEnv({
    ATTESTATION_MODE: 'tdx',
    DSTACK_SIMULATOR_ENDPOINT: stub.url,
    ENCRYPTION_MASTER_KEY: undefined,
    ...over,
  })

const keyVersions = (dataDir: string): Record<string, number> => {
  const db = new Database(dbPath(dataDir), { readonly: true })
  const rows = db
    .prepare<[], { v: string; n: number }>('SELECT key_version AS v, count(*) AS n FROM accounts GROUP BY v')
    .all()
  db.close()
  return Object.fromEntries(rows.map((r) => [r.v, r.n]))
}

/** user_a's passkey per data dir: a restarted signer keeps its users, so the new client uses the same one. */
const passkeys = new Map<string, SoftAuthenticator>()
function samePasskey(t: TestSigner): void {
  const dir = t.env.SIGNER_DATA_DIR ?? ''
  const known = passkeys.get(dir)
  if (known && !t.client.prover.authenticatorOf('user_a')) t.client.prover.adopt('user_a', known)
}
function rememberPasskey(t: TestSigner): void {
  const a = t.client.prover.authenticatorOf('user_a')
  if (a) passkeys.set(t.env.SIGNER_DATA_DIR ?? '', a)
}
const importOne = async (t: TestSigner, kp: Keypair) => {
  samePasskey(t)
  const r = await t.client.proven('accounts.import', { secret: kp.secret() })
  rememberPasskey(t)
  return r.body.result?.accountId ?? ''
}
const exported = async (t: TestSigner, accountId: string) => {
  samePasskey(t)
  return t.client.proven('accounts.export', { accountId })
}

describe('masterKeyFromKms', () => {
  const material = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
  it('is HKDF-SHA256(material, no salt, info = the versioned path): pinned vector, same as WebCrypto', async () => {
    const key = masterKeyFromKms(material)
    const ikm = await crypto.subtle.importKey('raw', material, 'HKDF', false, ['deriveBits'])
    const web = await crypto.subtle.deriveBits(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: new Uint8Array(0),
        info: new TextEncoder().encode(KMS_KEY_PATH),
      },
      ikm,
      256,
    )
    expect(toHex(key.bytes)).toBe(toHex(new Uint8Array(web)))
    // RFC 5869 §2.2–2.3 by hand (Python hmac, salt = 32 zero bytes, one block): an independent third answer.
    expect(toHex(key.bytes)).toBe('47367e639dc1bbebba97e83b5cc4cf2d54fe7da6cd2c85d98e98e0ca7e0bb08a')
    expect(KMS_KEY_PATH).toBe('tuxedo/keystore/aes-256-gcm/v1')
  })
  it.each([
    ['16 bytes', new Uint8Array(16).fill(7)],
    ['nothing', new Uint8Array(0)],
    ['all zeros', new Uint8Array(32)],
    ['all one value', new Uint8Array(32).fill(0xab)],
  ])('refuses %s', (_name, bad) => {
    expect(() => masterKeyFromKms(bad)).toThrow(/KMS/)
  })
})

describe('a tdx signer takes its master key from the KMS', () => {
  it('asks for the versioned path, and finds its accounts again after a restart', async () => {
    const env = tdxEnv()
    const kp = Keypair.random()
    const t1 = await startTestSigner({ env })
    const accountId = await importOne(t1, kp)
    await t1.stop()
    expect(stub.keyRequests.at(-1)?.path).toBe(KMS_KEY_PATH)
    const t2 = await startTestSigner({ env })
    expect((await exported(t2, accountId)).body.result?.secret).toBe(kp.secret())
    await t2.stop()
  })

  it("another app's KMS key opens nothing of this keystore", async () => {
    const env = tdxEnv()
    const t1 = await startTestSigner({ env })
    const accountId = await importOne(t1, Keypair.random())
    await t1.stop()
    const otherKms = await startDstackStub(dcap, undefined, { kmsRoot: new Uint8Array(randomBytes(32)) })
    try {
      const t2 = await startTestSigner({ env: { ...env, DSTACK_SIMULATOR_ENDPOINT: otherKms.url } })
      // Its rows' MACs name a key this signer does not hold: refused before any decryption is tried, from
      // the export's first step (the challenge reads the user's passkeys) to a plain read of the account.
      await expect(exported(t2, accountId)).rejects.toThrow(/500 .*ERR_SIGNER_STORE_TAMPERED/)
      const read = await t2.client.call('accounts.get', { accountId })
      expect(read.status).toBe(500)
      expect(read.body.error?.code).toBe('ERR_SIGNER_STORE_TAMPERED')
      await t2.stop()
    } finally {
      await otherKms.close()
    }
  })

  it.each<[string, KmsBehaviour]>([
    ['refuses GetKey', 'refuse'],
    ['answers a short key', 'short'],
    ['answers zeros', 'zeros'],
  ])('does not start when the KMS %s', async (_name, kms) => {
    const bad = await startDstackStub(dcap, undefined, { kms })
    try {
      await expect(startTestSigner({ env: tdxEnv({ DSTACK_SIMULATOR_ENDPOINT: bad.url }) })).rejects.toThrow(
        /KMS/,
      )
    } finally {
      await bad.close()
    }
  })

  it('refuses a hand-made ENCRYPTION_MASTER_KEY_NEXT in tdx mode', () => {
    expect(() => loadConfig(tdxEnv({ ENCRYPTION_MASTER_KEY_NEXT: randomMasterKey() }))).toThrow(
      /ENCRYPTION_MASTER_KEY_NEXT: not used in tdx mode/,
    )
  })
})

describe('one-time migration from an operator-made key', () => {
  it('legacy rows open while the legacy key is given, rotate under the KMS key, then open without it', async () => {
    const legacyEnv = testEnv()
    const legacy = legacyEnv.ENCRYPTION_MASTER_KEY ?? ''
    const dataDir = legacyEnv.SIGNER_DATA_DIR ?? ''
    const kps = [Keypair.random(), Keypair.random(), Keypair.random()]
    const t0 = await startTestSigner({ env: legacyEnv })
    const ids = [] as string[]
    for (const kp of kps) ids.push(await importOne(t0, kp))
    await t0.stop()
    const [legacyId] = Object.keys(keyVersions(dataDir))

    const during = tdxEnv({
      SIGNER_DATA_DIR: dataDir,
      ENCRYPTION_MASTER_KEY: legacy,
      SERVER_SALT_SECRET: legacyEnv.SERVER_SALT_SECRET,
    })
    const t1 = await startTestSigner({ env: during })
    expect((await exported(t1, ids[0] ?? '')).body.result?.secret).toBe(kps[0]?.secret())
    const fresh = Keypair.random()
    ids.push(await importOne(t1, fresh))
    kps.push(fresh)
    await t1.stop()
    const mixed = keyVersions(dataDir)
    expect(mixed[legacyId ?? '']).toBe(3)
    const [kmsId] = Object.keys(mixed).filter((k) => k !== legacyId)
    expect(mixed[kmsId ?? '']).toBe(1)

    const rotated = await runChild('signer/cli/rotate-key.ts', {
      ATTESTATION_MODE: 'tdx',
      DSTACK_SIMULATOR_ENDPOINT: stub.url,
      ENCRYPTION_MASTER_KEY: legacy,
      SERVER_SALT_SECRET: legacyEnv.SERVER_SALT_SECRET,
      SIGNER_DATA_DIR: dataDir,
    }).exited
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(keyVersions(dataDir)).toEqual({ [kmsId ?? '']: 4 })

    const after = tdxEnv({ SIGNER_DATA_DIR: dataDir, SERVER_SALT_SECRET: legacyEnv.SERVER_SALT_SECRET })
    const t2 = await startTestSigner({ env: after })
    for (const [i, kp] of kps.entries()) {
      expect((await exported(t2, ids[i] ?? '')).body.result?.secret).toBe(kp.secret())
    }
    await t2.stop()
  })
})
