/**
 * The signer's keys: which master key seals, which ones open, and a bounded cache of derived per-user keys.
 * Only derived keys are cached, never a decrypted account secret; HKDF per request would cost more than
 * the AES itself at thousands of signatures per second.
 */
import { randomBytes } from 'node:crypto'
import { fail, type Result } from '../../shared/result.ts'
import type { Secrets } from '../secrets.ts'
import { aadOf, deriveUserKey, openWith, parseEnvelope, type SecretContext, sealWith } from './envelope.ts'

const CACHE_LIMIT = 10_000

export type Keyring = {
  readonly sealingKeyId: string
  seal(ctx: SecretContext, plaintext: Uint8Array): string
  open(ctx: SecretContext, ciphertext: string): Result<Uint8Array>
  wipe(): void
}

export function createKeyring(secrets: Secrets): Keyring {
  const cache = new Map<string, Uint8Array>()
  const userKey = (keyId: string, userId: string): Uint8Array | undefined => {
    const master = secrets.keys.get(keyId)
    if (!master) return undefined
    const slot = `${keyId}\0${userId}`
    let key = cache.get(slot)
    if (!key) {
      key = deriveUserKey(master.bytes, secrets.salt, userId)
      if (cache.size >= CACHE_LIMIT) {
        const oldest = cache.keys().next().value
        if (oldest !== undefined) {
          cache.get(oldest)?.fill(0)
          cache.delete(oldest)
        }
      }
      cache.set(slot, key)
    }
    return key
  }
  return {
    sealingKeyId: secrets.sealing.id,
    seal(ctx, plaintext) {
      const key = userKey(secrets.sealing.id, ctx.userId)
      if (!key) throw new Error('sealing key missing from keyring')
      return sealWith(key, secrets.sealing.id, randomBytes(12), plaintext, aadOf(ctx))
    },
    open(ctx, ciphertext) {
      const parsed = parseEnvelope(ciphertext)
      if (!parsed.ok) return parsed
      const key = userKey(parsed.value.keyId, ctx.userId)
      // An unknown key version is a failure, never a fallback to some other key.
      if (!key) return fail('ERR_CRYPTO_DECRYPT', 'ciphertext is under an unknown key version')
      return openWith(key, parsed.value, aadOf(ctx))
    },
    wipe() {
      for (const k of cache.values()) k.fill(0)
      cache.clear()
    },
  }
}
