/**
 * Known-answer vectors for the envelope (cross-checked with Python's `cryptography` AESGCM and a
 * hand-written RFC 5869 HKDF), tamper tests, and native Ed25519 pinned to stellar-sdk's Keypair.sign.
 */
import { Keypair } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { publicKeyOf, signEd25519 } from '../../signer/crypto/ed25519.ts'
import { aadOf, deriveUserKey, openWith, parseEnvelope, sealWith } from '../../signer/crypto/envelope.ts'
import { createKeyring } from '../../signer/crypto/keyring.ts'
import { keyIdOf, loadSecrets } from '../../signer/secrets.ts'

const MASTER = new Uint8Array(32).map((_, i) => i + 1)
const SALT = new TextEncoder().encode('tuxedo test salt, 32 bytes long!')
const IV = new Uint8Array(12).map((_, i) => 0xa0 + i)
const PLAINTEXT = new Uint8Array(32).map((_, i) => 0x40 + i)
const CTX = { userId: 'user_a', accountId: 'acc_AAAAAAAAAAAAAAAAAAAAAA', publicKey: 'GPUB' }
const USER_KEY_HEX = 'e35b47db8a36ef8c3f2fe95a52b2d292f4d7c3053bc3b7101b218151e372a771'
const SEALED = 'v1:kTEST:oKGio6SlpqeoqaqrMgybTLQUL3q/AOyuXERg14FDg7npvjcxw1Z7GaLQtLXnX/PKPPRMu8+Ugy1BygGp'

describe('envelope known answers', () => {
  it('derives the per-user key with HKDF-SHA256', () => {
    expect(Buffer.from(deriveUserKey(MASTER, SALT, 'user_a')).toString('hex')).toBe(USER_KEY_HEX)
  })
  it('seals to the pinned v1 ciphertext', () => {
    const key = deriveUserKey(MASTER, SALT, 'user_a')
    expect(sealWith(key, 'kTEST', IV, PLAINTEXT, aadOf(CTX))).toBe(SEALED)
  })
  it('opens the pinned ciphertext', () => {
    const parsed = parseEnvelope(SEALED)
    if (!parsed.ok) throw new Error('parse')
    const opened = openWith(deriveUserKey(MASTER, SALT, 'user_a'), parsed.value, aadOf(CTX))
    expect(opened.ok && Buffer.from(opened.value).equals(Buffer.from(PLAINTEXT))).toBe(true)
  })
  it('derives different keys per user and per salt', () => {
    const a = Buffer.from(deriveUserKey(MASTER, SALT, 'user_a')).toString('hex')
    expect(Buffer.from(deriveUserKey(MASTER, SALT, 'user_b')).toString('hex')).not.toBe(a)
    expect(Buffer.from(deriveUserKey(MASTER, new Uint8Array(32), 'user_a')).toString('hex')).not.toBe(a)
  })
})

function flipBit(sealed: string, byteIndex: number): string {
  const [v, k, b64 = ''] = sealed.split(':')
  const body = Buffer.from(b64, 'base64')
  body[byteIndex] = (body[byteIndex] ?? 0) ^ 0x01
  return `${v}:${k}:${body.toString('base64')}`
}

describe('envelope tampering', () => {
  const env = {
    ENCRYPTION_MASTER_KEY: Buffer.from(MASTER).toString('base64'),
    SERVER_SALT_SECRET: 'tuxedo test salt, 32 bytes long!',
  }
  const ring = createKeyring(loadSecrets(env))
  const sealed = ring.seal(CTX, PLAINTEXT)

  it('round-trips with the right context', () => {
    const opened = ring.open(CTX, sealed)
    expect(opened.ok && Buffer.from(opened.value).equals(Buffer.from(PLAINTEXT))).toBe(true)
    expect(sealed.startsWith(`v1:${keyIdOf(MASTER)}:`)).toBe(true)
  })

  it.each([
    ['flipped bit in the iv', CTX, flipBit(sealed, 0)],
    ['flipped bit in the ciphertext', CTX, flipBit(sealed, 20)],
    ['flipped bit in the tag', CTX, flipBit(sealed, 12 + 32 + 3)],
    ['other user', { ...CTX, userId: 'user_b' }, sealed],
    ['other account', { ...CTX, accountId: 'acc_BBBBBBBBBBBBBBBBBBBBBB' }, sealed],
    ['other public key', { ...CTX, publicKey: 'GOTHER' }, sealed],
    ['unknown key version', CTX, sealed.replace(/^v1:k[0-9a-f]+:/, 'v1:k000000000000:')],
    ['unknown format version', CTX, sealed.replace(/^v1:/, 'v2:')],
    ['truncated', CTX, sealed.slice(0, 20)],
    ['garbage', CTX, 'not-a-ciphertext'],
  ])('refuses %s', (_name, ctx, text) => {
    const opened = ring.open(ctx, text)
    expect(opened.ok).toBe(false)
    if (!opened.ok) expect(opened.error.code).toBe('ERR_CRYPTO_DECRYPT')
  })
})

describe('native Ed25519', () => {
  it.each(Array.from({ length: 5 }, (_, i) => i))('matches Keypair.sign byte for byte (key %i)', () => {
    const kp = Keypair.random()
    const seed = new Uint8Array(kp.rawSecretKey())
    const data = new Uint8Array(Buffer.from(`message ${Math.random()}`))
    expect(Buffer.from(signEd25519(seed, data)).toString('hex')).toBe(
      Buffer.from(kp.sign(Buffer.from(data))).toString('hex'),
    )
    expect(Buffer.from(publicKeyOf(seed)).equals(kp.rawPublicKey())).toBe(true)
  })
  it('matches a fixed vector (RFC 8032 test 1)', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
    const sig = signEd25519(seed, new Uint8Array(0))
    expect(Buffer.from(sig).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    )
  })
})
