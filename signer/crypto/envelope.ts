/**
 * AES-256-GCM envelopes for account secrets, in the spirit of Vault transit: versioned, AAD-bound.
 *
 *   v1:<keyId>:<base64(iv[12] | ciphertext | tag[16])>
 *
 * The per-user key is HKDF-SHA256(master, salt = SERVER_SALT_SECRET, info = purpose/version/userId), so one
 * user's key opens nothing of another's. The AAD binds user id, account id and public key: a ciphertext
 * copied to another row or user fails authentication instead of signing for the wrong account.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto'
import { fail, ok, type Result } from '../../shared/result.ts'

export const ENVELOPE_VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

export type SecretContext = {
  readonly userId: string
  readonly accountId: string
  readonly publicKey: string
}

export function deriveUserKey(master: Uint8Array, salt: Uint8Array, userId: string): Uint8Array {
  const info = `tuxedo/signer/account-secret/${ENVELOPE_VERSION}/user:${userId}`
  return new Uint8Array(hkdfSync('sha256', master, salt, info, 32))
}

/** JSON of an array: unambiguous for any strings, unlike plain concatenation. */
export function aadOf(ctx: SecretContext): Uint8Array {
  return new TextEncoder().encode(
    `tuxedo/signer/${ENVELOPE_VERSION}\n${JSON.stringify([ctx.userId, ctx.accountId, ctx.publicKey])}`,
  )
}

/** Pure (iv is an argument) so known-answer vectors can pin the format. */
export function sealWith(
  key: Uint8Array,
  keyId: string,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): string {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const body = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  return `${ENVELOPE_VERSION}:${keyId}:${body.toString('base64')}`
}

export type ParsedEnvelope = { readonly keyId: string; readonly body: Buffer }

export function parseEnvelope(text: string): Result<ParsedEnvelope> {
  const parts = text.split(':')
  if (parts.length !== 3 || parts[0] !== ENVELOPE_VERSION || !parts[1] || !parts[2]) {
    return fail('ERR_CRYPTO_DECRYPT', 'unsupported ciphertext version')
  }
  const body = Buffer.from(parts[2], 'base64')
  if (body.length < IV_BYTES + TAG_BYTES + 1) return fail('ERR_CRYPTO_DECRYPT', 'ciphertext too short')
  return ok({ keyId: parts[1], body })
}

/** Opens a parsed envelope with the given user key; any tampering is one indistinct failure. */
export function openWith(key: Uint8Array, env: ParsedEnvelope, aad: Uint8Array): Result<Uint8Array> {
  const iv = env.body.subarray(0, IV_BYTES)
  const tag = env.body.subarray(env.body.length - TAG_BYTES)
  const ct = env.body.subarray(IV_BYTES, env.body.length - TAG_BYTES)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(tag)
    const out = new Uint8Array(Buffer.concat([decipher.update(ct), decipher.final()]))
    return ok(out)
  } catch {
    return fail('ERR_CRYPTO_DECRYPT', 'ciphertext failed authentication')
  }
}
