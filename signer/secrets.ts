/**
 * The only module that turns secret env variables into bytes. Secrets are Uint8Array (zeroable), validated
 * strictly, and every failure names the variable, never its value.
 *
 * - ENCRYPTION_MASTER_KEY: base64 (standard alphabet, padded) of exactly 32 bytes. In `insecure-dev` it is
 *   the master key; in `tdx` the master key comes from the dstack KMS (signer/crypto/kms-master-key.ts) and
 *   this variable, if set, is only the legacy key whose rows the rotation tool moves under the KMS key.
 * - ENCRYPTION_MASTER_KEY_NEXT: same format, optional; set during a key rotation (see signer/README.md).
 *   Refused in `tdx`: there the next key is the KMS key, which no person sees.
 * - SERVER_SALT_SECRET: taken as a UTF-8 string (not decoded), at least 32 bytes once UTF-8 encoded.
 */
import { createHash } from 'node:crypto'
import { CriticalSecurityError, type Problem } from './errors.ts'

export type MasterKey = { readonly id: string; readonly bytes: Uint8Array }

export type Secrets = {
  /** The key new ciphertexts are sealed with (NEXT while a rotation is under way). */
  readonly sealing: MasterKey
  /** Every key a ciphertext may be under, by key id. */
  readonly keys: ReadonlyMap<string, MasterKey>
  readonly current: MasterKey
  readonly next: MasterKey | undefined
  readonly salt: Uint8Array
}

const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/

/**
 * A key's public id: a hash prefix of a 256-bit random key reveals nothing usable, and lets each row name
 * the key it is sealed under without a counter to keep in sync between processes.
 */
export function keyIdOf(bytes: Uint8Array): string {
  return `k${createHash('sha256').update('tuxedo/signer/key-id/v1').update(bytes).digest('hex').slice(0, 12)}`
}

function parseMasterKey(
  variable: string,
  raw: string | undefined,
  problems: Problem[],
): MasterKey | undefined {
  if (raw === undefined || raw === '') {
    problems.push({ variable, message: 'missing' })
    return undefined
  }
  if (!BASE64_32.test(raw)) {
    problems.push({ variable, message: 'must be base64 of exactly 32 bytes' })
    return undefined
  }
  const bytes = new Uint8Array(Buffer.from(raw, 'base64'))
  // Stops placeholder keys ("AAAA…=") that decode fine but are not random.
  if (bytes.every((b) => b === bytes[0])) {
    bytes.fill(0)
    problems.push({ variable, message: 'is not random (all bytes equal)' })
    return undefined
  }
  return { id: keyIdOf(bytes), bytes }
}

export type SecretsOptions = { readonly requireNext?: boolean }

/** Parses the secret variables; throws CriticalSecurityError naming every bad variable. */
export function loadSecrets(env: Record<string, string | undefined>, opts: SecretsOptions = {}): Secrets {
  const problems: Problem[] = []
  const current = parseMasterKey('ENCRYPTION_MASTER_KEY', env.ENCRYPTION_MASTER_KEY, problems)
  const nextRaw = env.ENCRYPTION_MASTER_KEY_NEXT
  const nextGiven = nextRaw !== undefined && nextRaw !== ''
  const next =
    nextGiven || opts.requireNext
      ? parseMasterKey('ENCRYPTION_MASTER_KEY_NEXT', nextGiven ? nextRaw : undefined, problems)
      : undefined
  if (current && next && current.id === next.id) {
    problems.push({
      variable: 'ENCRYPTION_MASTER_KEY_NEXT',
      message: 'must differ from ENCRYPTION_MASTER_KEY',
    })
  }
  const salt = parseSalt(env.SERVER_SALT_SECRET, problems)
  if (problems.length > 0 || !current || !salt) {
    current?.bytes.fill(0)
    next?.bytes.fill(0)
    salt?.fill(0)
    throw new CriticalSecurityError(problems)
  }
  const keys = new Map<string, MasterKey>([[current.id, current]])
  if (next) keys.set(next.id, next)
  return { sealing: next ?? current, keys, current, next, salt }
}

function parseSalt(raw: string | undefined, problems: Problem[]): Uint8Array | undefined {
  if (raw === undefined || raw === '') {
    problems.push({ variable: 'SERVER_SALT_SECRET', message: 'missing' })
    return undefined
  }
  const salt = new TextEncoder().encode(raw)
  if (salt.length >= 32) return salt
  salt.fill(0)
  problems.push({ variable: 'SERVER_SALT_SECRET', message: 'must be at least 32 bytes' })
  return undefined
}

/** What `tdx` mode takes from the environment; the master key itself comes from the KMS at start. */
export type KmsSecretInputs = {
  /** ENCRYPTION_MASTER_KEY of a deployment from before the KMS: opens old rows until they are rotated. */
  readonly legacy: MasterKey | undefined
  readonly salt: Uint8Array
}

/** Parses `tdx` mode's secret variables; throws CriticalSecurityError naming every bad variable. */
export function loadKmsSecretInputs(env: Record<string, string | undefined>): KmsSecretInputs {
  const problems: Problem[] = []
  const given = env.ENCRYPTION_MASTER_KEY !== undefined && env.ENCRYPTION_MASTER_KEY !== ''
  const legacy = given
    ? parseMasterKey('ENCRYPTION_MASTER_KEY', env.ENCRYPTION_MASTER_KEY, problems)
    : undefined
  if (env.ENCRYPTION_MASTER_KEY_NEXT !== undefined && env.ENCRYPTION_MASTER_KEY_NEXT !== '') {
    problems.push({
      variable: 'ENCRYPTION_MASTER_KEY_NEXT',
      message: 'not used in tdx mode: the master key comes from the dstack KMS',
    })
  }
  const salt = parseSalt(env.SERVER_SALT_SECRET, problems)
  if (problems.length > 0 || !salt) {
    legacy?.bytes.fill(0)
    salt?.fill(0)
    throw new CriticalSecurityError(problems)
  }
  return { legacy, salt }
}

/**
 * The keyring's secrets once the KMS key is known: new rows are sealed under it; a legacy key, if given,
 * still opens the rows sealed before (the signer runs as during a rotation from legacy to KMS).
 */
export function withKmsKey(inputs: KmsSecretInputs, kms: MasterKey): Secrets {
  const keys = new Map<string, MasterKey>([[kms.id, kms]])
  if (inputs.legacy && inputs.legacy.id !== kms.id) keys.set(inputs.legacy.id, inputs.legacy)
  const legacy = inputs.legacy && inputs.legacy.id !== kms.id ? inputs.legacy : undefined
  return { sealing: kms, keys, current: legacy ?? kms, next: legacy ? kms : undefined, salt: inputs.salt }
}

/** Zeroes every secret byte (on shutdown). */
export function wipeSecrets(s: Secrets): void {
  for (const k of s.keys.values()) k.bytes.fill(0)
  s.salt.fill(0)
}
