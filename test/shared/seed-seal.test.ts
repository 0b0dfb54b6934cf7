/**
 * The seed-sealing suite through the library we ship (@hpke/core), against RFC 9180 appendix A.1
 * (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode): the published key pairs, enc, the
 * ciphertexts at several sequence numbers and the exported values. Then our wrapper: a seal opens only with
 * the same key and the same (operation, user, account), and every altered byte is refused.
 * Vector values: RFC 9180 §A.1.1 (https://www.rfc-editor.org/rfc/rfc9180#appendix-A.1.1).
 */
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../shared/attestation.ts'
import { SealedSeedSchema, X25519PublicKeySchema } from '../../shared/schemas/sealed-seed.ts'
import {
  fromBase64url,
  openWith,
  type SealedSeed,
  type SealKeyPair,
  sealInfo,
  sealSuite,
  sealTo,
  toBase64url,
} from '../../shared/seed-seal.ts'

const hex = (s: string): Uint8Array => fromHex(s) ?? new Uint8Array(0)

const A1 = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  ikmE: '7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234',
  pkEm: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  ikmR: '6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037',
  pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  encryptions: [
    [
      0,
      '436f756e742d30',
      'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a',
    ],
    [
      1,
      '436f756e742d31',
      'af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84',
    ],
    [
      2,
      '436f756e742d32',
      '498dfcabd92e8acedc281e85af1cb4e3e31c7dc394a1ca20e173cb72516491588d96a19ad4a683518973dcc180',
    ],
  ] as const,
  exports: [
    ['', '3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee'],
    ['00', '2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5'],
    ['54657374436f6e74657874', 'e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931'],
  ] as const,
}

describe('RFC 9180 A.1 through @hpke/core', () => {
  it('derives the published recipient key, enc, ciphertexts and exports; the recipient opens them', async () => {
    const suite = sealSuite()
    const recipient = await suite.kem.deriveKeyPair(hex(A1.ikmR))
    expect(toHex(new Uint8Array(await suite.kem.serializePublicKey(recipient.publicKey)))).toBe(A1.pkRm)
    const sender = await suite.createSenderContext({
      recipientPublicKey: recipient.publicKey,
      info: hex(A1.info),
      ekm: hex(A1.ikmE),
    })
    expect(toHex(new Uint8Array(sender.enc))).toBe(A1.pkEm)
    const opener = await suite.createRecipientContext({
      recipientKey: recipient,
      enc: sender.enc,
      info: hex(A1.info),
    })
    for (const [seq, aad, ct] of A1.encryptions) {
      const sealed = toHex(new Uint8Array(await sender.seal(hex(A1.pt), hex(aad))))
      expect(sealed, `seq ${seq}`).toBe(ct)
      expect(toHex(new Uint8Array(await opener.open(hex(ct), hex(aad)))), `seq ${seq}`).toBe(A1.pt)
    }
    for (const [context, value] of A1.exports) {
      expect(toHex(new Uint8Array(await sender.export(hex(context), 32)))).toBe(value)
    }
  })
})

const SEED = new TextEncoder().encode(`S${'A'.repeat(55)}`)

describe('sealTo / openWith', () => {
  const info = sealInfo('accounts.export', 'user_a', 'acc_0123456789abcdef')

  async function fixture() {
    const suite = sealSuite()
    const key = await suite.kem.generateKeyPair()
    const other = await suite.kem.generateKeyPair()
    const pub = new Uint8Array(await suite.kem.serializePublicKey(key.publicKey))
    const sealed = await sealTo(pub, SEED, info)
    return { key, other, sealed }
  }

  it('opens with the same key and the same binding, and the wire form has fixed sizes', async () => {
    const { key, sealed } = await fixture()
    expect(SealedSeedSchema.safeParse(sealed).success).toBe(true)
    expect(new TextDecoder().decode(await openWith(key, sealed, info))).toBe(new TextDecoder().decode(SEED))
  })

  const flip = (s: string, at: number): string => {
    const b = fromBase64url(s)
    b[at] = (b[at] ?? 0) ^ 0x01
    return toBase64url(b)
  }
  type Bad = [string, (f: Awaited<ReturnType<typeof fixture>>) => [SealKeyPair, SealedSeed, Uint8Array]]
  const bad: Bad[] = [
    [
      'a flipped ciphertext byte',
      (f) => [f.key, { ...f.sealed, ciphertext: flip(f.sealed.ciphertext, 3) }, info],
    ],
    ['a flipped tag byte', (f) => [f.key, { ...f.sealed, ciphertext: flip(f.sealed.ciphertext, 71) }, info]],
    ['a flipped enc byte', (f) => [f.key, { ...f.sealed, enc: flip(f.sealed.enc, 0) }, info]],
    ['another recipient key', (f) => [f.other, f.sealed, info]],
    ['another user', (f) => [f.key, f.sealed, sealInfo('accounts.export', 'user_b', 'acc_0123456789abcdef')]],
    [
      'another account',
      (f) => [f.key, f.sealed, sealInfo('accounts.export', 'user_a', 'acc_fedcba9876543210')],
    ],
    [
      'another operation',
      (f) => [f.key, f.sealed, sealInfo('accounts.import', 'user_a', 'acc_0123456789abcdef')],
    ],
    ['enc and ciphertext swapped in', (f) => [f.key, { enc: f.sealed.enc, ciphertext: f.sealed.enc }, info]],
  ]
  it.each(bad)('refuses %s', async (_name, make) => {
    const [key, sealed, i] = make(await fixture())
    expect(await openWith(key, sealed, i)).toBeUndefined()
  })
})

describe('wire schemas', () => {
  const good = { enc: 'A'.repeat(43), ciphertext: 'B'.repeat(96) }
  it.each([
    ['a plaintext seed in place of the ciphertext', { ...good, ciphertext: `S${'A'.repeat(55)}` }],
    ['a short enc', { ...good, enc: 'A'.repeat(42) }],
    ['padding', { ...good, enc: `${'A'.repeat(42)}=` }],
    ['a long ciphertext', { ...good, ciphertext: 'B'.repeat(97) }],
    ['standard base64 characters', { ...good, ciphertext: `${'B'.repeat(95)}+` }],
    ['an extra field', { ...good, secret: 'x' }],
  ])('SealedSeedSchema refuses %s', (_name, value) => {
    expect(SealedSeedSchema.safeParse(value).success).toBe(false)
  })
  it('SealedSeedSchema takes the fixed-size form; X25519PublicKeySchema 43 characters only', () => {
    expect(SealedSeedSchema.safeParse(good).success).toBe(true)
    expect(X25519PublicKeySchema.safeParse('A'.repeat(43)).success).toBe(true)
    expect(X25519PublicKeySchema.safeParse('A'.repeat(44)).success).toBe(false)
  })
})
