/**
 * Wire schemas of sealed seeds (shared/seed-seal.ts): fixed sizes, base64url without padding, so neither a
 * seed in clear nor anything longer fits where a seal goes.
 */
import { z } from 'zod'
import { SEALED_SEED_BYTES } from '../seed-seal.ts'

const b64url = (bytes: number) =>
  z
    .string()
    .length(Math.ceil((bytes * 4) / 3))
    .regex(/^[A-Za-z0-9_-]+$/, 'not base64url')

/** An X25519 public key, base64url (no padding) of 32 bytes. */
export const X25519PublicKeySchema = b64url(32)
/** `{enc, ciphertext}` of one HPKE single-shot seal. */
export const SealedSeedSchema = z.strictObject({ enc: b64url(32), ciphertext: b64url(SEALED_SEED_BYTES) })
