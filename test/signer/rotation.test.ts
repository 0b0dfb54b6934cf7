/**
 * Key rotation: `signer:rotate-key` SIGKILLed half-way leaves a mix of key versions that a signer holding
 * both keys serves without a hiccup; a second run finishes; afterwards every account decrypts and signs
 * under the new key alone and nothing remains under the old one.
 */
import { Keypair } from '@stellar/stellar-sdk/base'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { keyIdOf } from '../../signer/secrets.ts'
import { dbPath } from '../../signer/store/sqlite/db.ts'
import { SoftAuthenticator } from '../support/webauthn/authenticator.ts'
import { runChild } from './child.ts'
import {
  guardAgainstLeaks,
  randomMasterKey,
  startTestSigner,
  TEST_RP_ORIGIN,
  type TestSigner,
  testEnv,
} from './helpers.ts'
import { paymentXdr, verifySigned } from './tx-fixtures.ts'

guardAgainstLeaks()

type Held = { userId: string; accountId: string; publicKey: string; secret: string | undefined }

/** Passkeys enrolled with the first signer; every later signer on the same data dir proves with them. */
const enrolled = new Map<string, SoftAuthenticator>()

const keyVersions = (dataDir: string): Record<string, number> => {
  const db = new Database(dbPath(dataDir), { readonly: true })
  const rows = db
    .prepare<[], { v: string; n: number }>('SELECT key_version AS v, count(*) AS n FROM accounts GROUP BY v')
    .all()
  db.close()
  return Object.fromEntries(rows.map((r) => [r.v, r.n]))
}

/** The master key ids that the row MACs of every MAC'd table name (`<keyId>.<tag>`). */
const macKeyIds = (dataDir: string): string[] => {
  const db = new Database(dbPath(dataDir), { readonly: true })
  const tables = ['accounts', 'requests', 'spending', 'spending_heads', 'approvals', 'user_policies'].concat([
    'user_credentials',
    'user_challenges',
    'user_recovery_codes',
    'user_recovery_grants',
  ])
  const ids = new Set<string>()
  for (const t of tables) {
    for (const r of db
      .prepare<[], { id: string }>(`SELECT DISTINCT substr(mac, 1, instr(mac, '.') - 1) AS id FROM ${t}`)
      .all())
      ids.add(r.id)
  }
  db.close()
  return [...ids].sort()
}

async function signsWithAll(t: TestSigner, held: Held[]): Promise<void> {
  for (const a of held) {
    const reply = await t.client.call(
      'tx.sign',
      { accountId: a.accountId, xdr: paymentXdr(a.publicKey) },
      { userId: a.userId },
    )
    expect(reply.status, `${a.accountId}: ${JSON.stringify(reply.body)}`).toBe(200)
    expect(verifySigned(reply.body.result?.signedXdr ?? '', a.publicKey).valid).toBe(true)
    if (a.secret) {
      const passkey = enrolled.get(a.userId)
      if (passkey) t.client.prover.adopt(a.userId, passkey)
      const exported = await t.client.proven(
        'accounts.export',
        { accountId: a.accountId },
        { userId: a.userId },
      )
      expect(exported.body.result?.secret).toBe(a.secret)
    }
  }
}

describe('rotate-key', () => {
  it('survives kill -9 half-way, resumes, and leaves nothing under the old key', async () => {
    const env = testEnv()
    const oldKey = env.ENCRYPTION_MASTER_KEY ?? ''
    const newKey = randomMasterKey()
    const dataDir = env.SIGNER_DATA_DIR ?? ''
    const oldId = keyIdOf(Buffer.from(oldKey, 'base64'))
    const newId = keyIdOf(Buffer.from(newKey, 'base64'))
    // Remember the new key too, so the leak guard checks it.
    const during = testEnv({ ...env, ENCRYPTION_MASTER_KEY_NEXT: newKey })

    const held: Held[] = []
    const t1 = await startTestSigner({ env })
    for (let i = 0; i < 40; i++) {
      const userId = `user_${i % 4}`
      if (i % 2 === 0) {
        const kp = Keypair.random()
        if (!enrolled.has(userId))
          enrolled.set(userId, await t1.client.prover.enrol(userId, new SoftAuthenticator(TEST_RP_ORIGIN)))
        const r = await t1.client.proven('accounts.import', { secret: kp.secret() }, { userId })
        held.push({
          userId,
          accountId: r.body.result?.accountId ?? '',
          publicKey: kp.publicKey(),
          secret: kp.secret(),
        })
      } else {
        const r = await t1.client.call('accounts.create', { kind: 'agent' }, { userId })
        held.push({
          userId,
          accountId: r.body.result?.accountId ?? '',
          publicKey: r.body.result?.publicKey ?? '',
          secret: undefined,
        })
      }
    }
    await t1.stop()
    expect(keyVersions(dataDir)).toEqual({ [oldId]: 40 })

    const rotateEnv = {
      ATTESTATION_MODE: 'insecure-dev',
      ENCRYPTION_MASTER_KEY: oldKey,
      ENCRYPTION_MASTER_KEY_NEXT: newKey,
      SERVER_SALT_SECRET: env.SERVER_SALT_SECRET,
      SIGNER_DATA_DIR: dataDir,
    }
    const first = runChild('signer/cli/rotate-key.ts', {
      ...rotateEnv,
      ROTATE_BATCH_SIZE: '4',
      ROTATE_BATCH_DELAY_MS: '150',
    })
    await first.waitFor(/rotated (8|12|16)\/40/)
    first.proc.kill('SIGKILL')
    const killed = await first.exited
    expect(killed.signal).toBe('SIGKILL')
    const mixed = keyVersions(dataDir)
    expect(mixed[newId]).toBeGreaterThan(0)
    expect(mixed[oldId]).toBeGreaterThan(0)

    // A signer holding both keys keeps working on the half-rotated store, and seals new rows under NEXT.
    const t2 = await startTestSigner({ env: during })
    await signsWithAll(t2, held)
    const fresh = await t2.client.call('accounts.create', { kind: 'user' }, { userId: 'user_new' })
    held.push({
      userId: 'user_new',
      accountId: fresh.body.result?.accountId ?? '',
      publicKey: fresh.body.result?.publicKey ?? '',
      secret: undefined,
    })

    const second = await runChild('signer/cli/rotate-key.ts', rotateEnv).exited
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toContain('done, all 41 accounts')
    await signsWithAll(t2, held.slice(0, 3))
    await t2.stop()
    expect(keyVersions(dataDir)).toEqual({ [newId]: 41 })
    // Not only the ciphertexts: every row's MAC is under the new key (passkeys, ledger, requests, ...).
    expect(macKeyIds(dataDir)).toEqual([newId])

    // The new key alone opens everything.
    const t3 = await startTestSigner({ env: { ...env, ENCRYPTION_MASTER_KEY: newKey } })
    await signsWithAll(t3, held)
    await t3.stop()

    // The old key alone opens nothing: the rotated rows' MACs name the new key, which this signer does not
    // hold, so the row is refused before any decryption is tried (row MACs, signer/store/row-mac.ts).
    const t4 = await startTestSigner({ env })
    const a = held[0]
    const refused = await t4.client.call(
      'tx.sign',
      { accountId: a?.accountId, xdr: paymentXdr(a?.publicKey ?? '') },
      { userId: a?.userId ?? '' },
    )
    expect(refused.status).toBe(500)
    expect(refused.body.result).toBeUndefined()
    expect(refused.body.error?.code).toBe('ERR_SIGNER_STORE_TAMPERED')
    await t4.stop()
  })

  it.each([
    [
      'without ENCRYPTION_MASTER_KEY_NEXT',
      { ENCRYPTION_MASTER_KEY_NEXT: undefined },
      'ENCRYPTION_MASTER_KEY_NEXT',
    ],
    ['with a malformed batch size', { ROTATE_BATCH_SIZE: 'ten' }, 'ROTATE_BATCH_SIZE'],
  ])('refuses to run %s', async (_name, overrides, variable) => {
    const env = testEnv({ ENCRYPTION_MASTER_KEY_NEXT: randomMasterKey(), ...overrides })
    const r = await runChild('signer/cli/rotate-key.ts', env).exited
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(variable)
  })
})
