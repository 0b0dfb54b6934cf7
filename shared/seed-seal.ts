/**
 * Seeds sealed end to end: RFC 9180 HPKE, base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM
 * (the suite of RFC 9180 appendix A.1, whose vectors test/shared/seed-seal.test.ts replays through the
 * library), via @hpke/core on WebCrypto, the same code in the browser and the signer. The edge never holds a
 * key that opens one: it relays `{enc, ciphertext}` and cannot read or alter a seed on the way.
 *
 * Threat stopped by the `info` binding: a ciphertext recorded for one user, account or operation is replayed
 * for another (an edge that forwards user A's sealed import under user B's envelope, or an export sealed for
 * one account presented as another's). `info` goes into the key schedule, so any other context derives other
 * keys and the AEAD tag fails. Web APIs only (and no zod, which would triple the page's bundle): this file
 * runs in browsers and Node.
 */
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'

export const SEAL_SUITE = 'DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM'
export const SEAL_INFO_LABEL = 'tuxedo/seed-seal/v1'

/** The two operations a seed crosses the edge for. */
export const SEAL_OPERATIONS = ['accounts.import', 'accounts.export'] as const
export type SealOperation = (typeof SEAL_OPERATIONS)[number]

export const sealSuite = (): CipherSuite =>
  new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() })

/** A recipient key pair as the library makes it (WebCrypto CryptoKeyPair, named without DOM types). */
export type SealKeyPair = Awaited<ReturnType<CipherSuite['kem']['generateKeyPair']>>

/** A Stellar secret seed (S…, 56 ASCII characters) sealed: 56 bytes + the 16-byte GCM tag. */
export const SEALED_SEED_BYTES = 56 + 16

/** `{enc, ciphertext}` of one HPKE single-shot seal, base64url; the wire schema is shared/schemas/sealed-seed.ts. */
export type SealedSeed = { readonly enc: string; readonly ciphertext: string }

const enc = new TextEncoder()

/** HPKE `info`: JSON ["tuxedo/seed-seal/v1", operation, userId, accountId] ("" for an import's new account). */
export const sealInfo = (operation: SealOperation, userId: string, accountId: string | null): Uint8Array =>
  enc.encode(JSON.stringify([SEAL_INFO_LABEL, operation, userId, accountId ?? '']))

export const toBase64url = (bytes: Uint8Array): string => {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

export const fromBase64url = (s: string): Uint8Array => {
  const b64 = s.replaceAll('-', '+').replaceAll('_', '/')
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0))
}

/**
 * What accounts.import's user proof commits to: `enc.ciphertext` (base64url has no '.', so the split is
 * unambiguous). The browser hashes exactly what it sends; the signer hashes what it received.
 */
export const sealedDigestInput = (sealed: SealedSeed): string => `${sealed.enc}.${sealed.ciphertext}`

/** base64url SHA-256 of sealedDigestInput (WebCrypto: browser, workerd and Node alike). */
export async function sealedDigest(sealed: SealedSeed): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', enc.encode(sealedDigestInput(sealed)))
  return toBase64url(new Uint8Array(hash))
}

/** Seals `plaintext` to `recipientPublicKey` (raw 32 bytes) under `info`. */
export async function sealTo(
  recipientPublicKey: Uint8Array,
  plaintext: Uint8Array,
  info: Uint8Array,
): Promise<SealedSeed> {
  const suite = sealSuite()
  const recipient = await suite.kem.deserializePublicKey(recipientPublicKey)
  const sealed = await suite.seal({ recipientPublicKey: recipient, info }, plaintext)
  return { enc: toBase64url(new Uint8Array(sealed.enc)), ciphertext: toBase64url(new Uint8Array(sealed.ct)) }
}

/**
 * Opens a sealed seed with the recipient's key pair. Any failure (a tampered byte, other info, other key, a
 * malformed enc) is one answer, undefined: the caller says "does not open" and stores nothing.
 */
export async function openWith(
  recipientKey: SealKeyPair,
  sealed: SealedSeed,
  info: Uint8Array,
): Promise<Uint8Array | undefined> {
  try {
    const pt = await sealSuite().open(
      { recipientKey, enc: fromBase64url(sealed.enc), info },
      fromBase64url(sealed.ciphertext),
    )
    return new Uint8Array(pt)
  } catch {
    return undefined
  }
}
