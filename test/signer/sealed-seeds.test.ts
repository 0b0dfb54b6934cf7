/**
 * Seeds cross the signer's RPC sealed only. Import: a seal made for this signer's attested key and this
 * (user, "accounts.import") opens; a tampered byte, another key, another user's or operation's binding, or a
 * ciphertext replayed under another envelope is refused with ERR_SEAL_INVALID, audited, and nothing stored.
 * Export: the seed comes back sealed to the caller's key and (user, account); it does not open for another
 * account or user, and an unusable recipient key gets no seal at all. No plaintext seed field is accepted.
 */
import { Keypair } from '@stellar/stellar-sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SealedSeedSchema } from '../../shared/schemas/sealed-seed.ts'
import {
  fromBase64url,
  openWith,
  type SealedSeed,
  sealInfo,
  sealSuite,
  sealTo,
  toBase64url,
} from '../../shared/seed-seal.ts'
import { guardAgainstLeaks, SEED_RE, startTestSigner, type TestSigner } from './helpers.ts'
import { operationOf } from './proofs.ts'

guardAgainstLeaks()

let t: TestSigner
let signerKey: Uint8Array
beforeAll(async () => {
  t = await startTestSigner()
  signerKey = await t.client.sealingKey()
})
afterAll(async () => {
  await t.stop()
})

const utf8 = (s: string) => new TextEncoder().encode(s)
const asA = { userId: 'user_a' }
const importInfo = (userId: string) => sealInfo('accounts.import', userId, null)
const flip = (s: string, at: number): string => {
  const b = fromBase64url(s)
  b[at] = (b[at] ?? 0) ^ 0x80
  return toBase64url(b)
}
const nowhere = async () =>
  new Uint8Array(
    await sealSuite().kem.serializePublicKey((await sealSuite().kem.generateKeyPair()).publicKey),
  )

describe('accounts.import takes a sealed seed only', () => {
  it('opens a seal for this signer and user, and stores the account', async () => {
    const kp = Keypair.random()
    const sealed = await sealTo(signerKey, utf8(kp.secret()), importInfo('user_a'))
    const reply = await t.client.proven('accounts.import', { sealed, name: 'sealed' }, asA)
    expect(reply.status).toBe(200)
    expect(reply.body.result?.publicKey).toBe(kp.publicKey())
  })

  type Bad = [string, (seed: string) => Promise<unknown>, string]
  const bad: Bad[] = [
    [
      'a flipped ciphertext byte',
      async (s) => {
        const x = await sealTo(signerKey, utf8(s), importInfo('user_a'))
        return { sealed: { ...x, ciphertext: flip(x.ciphertext, 10) } }
      },
      'ERR_SEAL_INVALID',
    ],
    [
      'a flipped enc byte',
      async (s) => {
        const x = await sealTo(signerKey, utf8(s), importInfo('user_a'))
        return { sealed: { ...x, enc: flip(x.enc, 5) } }
      },
      'ERR_SEAL_INVALID',
    ],
    [
      'sealed for another user (replayed under this envelope)',
      async (s) => ({ sealed: await sealTo(signerKey, utf8(s), importInfo('user_b')) }),
      'ERR_SEAL_INVALID',
    ],
    [
      'sealed for another operation',
      async (s) => ({
        sealed: await sealTo(signerKey, utf8(s), sealInfo('accounts.export', 'user_a', null)),
      }),
      'ERR_SEAL_INVALID',
    ],
    [
      'sealed to a key the signer does not hold (an edge swapping keys)',
      async (s) => ({ sealed: await sealTo(await nowhere(), utf8(s), importInfo('user_a')) }),
      'ERR_SEAL_INVALID',
    ],
    ['the seed in clear (the old field)', async (s) => ({ secret: s }), 'ERR_VALIDATION'],
    [
      'the seed in clear beside a seal',
      async (s) => ({ secret: s, sealed: await sealTo(signerKey, utf8(s), importInfo('user_a')) }),
      'ERR_VALIDATION',
    ],
    [
      'the seed in clear in the ciphertext field',
      async (s) => ({ sealed: { enc: 'A'.repeat(43), ciphertext: s } }),
      'ERR_VALIDATION',
    ],
  ]
  it.each(bad)('refuses %s: clear error, audited, nothing stored', async (_name, make, code) => {
    const kp = Keypair.random()
    const before = await t.client.call('accounts.list', {}, asA)
    const params = (await make(kp.secret())) as Record<string, unknown>
    // A genuine proof over exactly this (bad) seal: what refuses it is the seal itself, not the proof.
    const proof =
      'sealed' in params && !('secret' in params)
        ? { assertion: await t.client.prover.assertionFor('user_a', operationOf('accounts.import', params)) }
        : undefined
    const reply = await t.client.post(
      '/v1/accounts.import',
      JSON.stringify({
        requestId: `req_bad_${Math.random().toString(36).slice(2)}`,
        issuedAt: Date.now(),
        userId: 'user_a',
        params: proof ? { ...params, proof } : params,
      }),
    )
    expect(reply.status).toBe(400)
    expect(reply.body.error?.code).toBe(code)
    expect(await t.client.call('accounts.list', {}, asA)).toEqual(before)
    // Newest first: the list just made, then this refusal.
    const audit = await t.client.call('audit.list', { limit: 2 }, asA)
    expect(audit.body.result?.entries[1]).toMatchObject({
      method: 'accounts.import',
      decision: 'deny',
      reasonCode: code,
    })
  })
})

describe('accounts.export answers a seal only', () => {
  let accountId: string
  let kp: Keypair
  beforeAll(async () => {
    kp = Keypair.random()
    const r = await t.client.proven('accounts.import', { secret: kp.secret() }, asA)
    accountId = r.body.result?.accountId ?? ''
  })

  /** An export to `recipientPublicKey`; `provenFor`: the key the user's proof names (none: no proof). */
  const exportTo = async (
    recipientPublicKey: string,
    userId = 'user_a',
    provenFor: string | null = recipientPublicKey,
  ) => {
    const op = { method: 'accounts.export', accountId, recipientPublicKey: provenFor }
    const proof =
      userId === 'user_a' && provenFor && /^[A-Za-z0-9_-]{43}$/.test(provenFor)
        ? { assertion: await t.client.prover.assertionFor(userId, op) }
        : undefined
    return t.client.post(
      '/v1/accounts.export',
      JSON.stringify({
        requestId: `req_exp_${Math.random().toString(36).slice(2)}`,
        issuedAt: Date.now(),
        userId,
        params: { accountId, recipientPublicKey, ...(proof ? { proof } : {}) },
      }),
    )
  }

  it('seals to the given key and to (user, account): opens there, nowhere else', async () => {
    const suite = sealSuite()
    const mine = await suite.kem.generateKeyPair()
    const pub = toBase64url(new Uint8Array(await suite.kem.serializePublicKey(mine.publicKey)))
    const reply = await exportTo(pub)
    expect(reply.status).toBe(200)
    expect(SEED_RE.test(JSON.stringify(reply.body))).toBe(false)
    const sealed: SealedSeed = SealedSeedSchema.parse(reply.body.result?.sealed)
    const open = (info: Uint8Array) => openWith(mine, sealed, info)
    expect(new TextDecoder().decode(await open(sealInfo('accounts.export', 'user_a', accountId)))).toBe(
      kp.secret(),
    )
    expect(await open(sealInfo('accounts.export', 'user_b', accountId))).toBeUndefined()
    expect(await open(sealInfo('accounts.export', 'user_a', 'acc_another0000000000'))).toBeUndefined()
    expect(await open(sealInfo('accounts.import', 'user_a', accountId))).toBeUndefined()
    expect(
      await openWith(
        await suite.kem.generateKeyPair(),
        sealed,
        sealInfo('accounts.export', 'user_a', accountId),
      ),
    ).toBeUndefined()
  })

  it.each([
    ['the all-zero (low-order) X25519 point', toBase64url(new Uint8Array(32)), 400, 'ERR_SEAL_KEY_INVALID'],
    ['a short key', toBase64url(new Uint8Array(31).fill(9)), 400, 'ERR_VALIDATION'],
    ['no key', '', 400, 'ERR_VALIDATION'],
  ])('refuses %s: no seal, no seed', async (_name, key, status, code) => {
    const reply = await exportTo(key)
    expect(reply.status).toBe(status)
    expect(reply.body.error?.code).toBe(code)
    expect(reply.body.result).toBeUndefined()
  })

  it("refuses the user's proof for key A relayed with another key B (a compromised edge's own): nothing sealed", async () => {
    const suite = sealSuite()
    const keyA = toBase64url(
      new Uint8Array(await suite.kem.serializePublicKey((await suite.kem.generateKeyPair()).publicKey)),
    )
    const keyB = toBase64url(await nowhere())
    const reply = await exportTo(keyB, 'user_a', keyA)
    expect([reply.status, reply.body.error?.code]).toEqual([403, 'ERR_USER_PROOF_MISMATCH'])
    expect(reply.body.result).toBeUndefined()
    expect(JSON.stringify(reply.body)).not.toContain('ciphertext')
    // And no proof at all: the user's word is missing, nothing is sealed either.
    const bare = await exportTo(keyB, 'user_a', null)
    expect([bare.status, bare.body.error?.code]).toEqual([401, 'ERR_USER_PROOF_REQUIRED'])
    expect(bare.body.result).toBeUndefined()
  })

  it("another user's export of this account answers like a missing account", async () => {
    const reply = await exportTo(toBase64url(await nowhere()), 'user_b')
    expect(reply.status).toBe(404)
    expect(reply.body.error?.code).toBe('ERR_ACCOUNT_NOT_FOUND')
  })
})
