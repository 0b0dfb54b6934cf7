/**
 * Ed25519 signing through node:crypto (OpenSSL), about ten times the throughput of stellar-sdk's
 * Keypair.sign; Ed25519 is deterministic, so the signatures are byte-identical (a test pins that).
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto'

// PKCS#8 DER header for an Ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** Signs `data` with the raw 32-byte seed. The DER copy of the seed is zeroed before returning. */
export function signEd25519(seed: Uint8Array, data: Uint8Array): Uint8Array {
  const der = Buffer.alloc(PKCS8_ED25519_PREFIX.length + 32)
  PKCS8_ED25519_PREFIX.copy(der)
  der.set(seed, PKCS8_ED25519_PREFIX.length)
  try {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    return new Uint8Array(sign(null, data, key))
  } finally {
    der.fill(0)
  }
}

/** The raw 32-byte public key of a seed. */
export function publicKeyOf(seed: Uint8Array): Uint8Array {
  const der = Buffer.alloc(PKCS8_ED25519_PREFIX.length + 32)
  PKCS8_ED25519_PREFIX.copy(der)
  der.set(seed, PKCS8_ED25519_PREFIX.length)
  try {
    const pub = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }))
    const spki = pub.export({ format: 'der', type: 'spki' })
    return new Uint8Array(spki.subarray(spki.length - 32))
  } finally {
    der.fill(0)
  }
}
