/** Explicit development secrets, made by the dev and test launchers (the signer itself never invents one). */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

export type DevSecrets = {
  readonly ENCRYPTION_MASTER_KEY: string
  readonly SERVER_SALT_SECRET: string
  readonly UPSTASH_REDIS_REST_TOKEN: string
  readonly AUTH_SECRET: string
}

export function freshSecrets(): DevSecrets {
  return {
    ENCRYPTION_MASTER_KEY: randomBytes(32).toString('base64'),
    SERVER_SALT_SECRET: randomBytes(32).toString('base64'),
    UPSTASH_REDIS_REST_TOKEN: randomBytes(24).toString('base64url'),
    AUTH_SECRET: randomBytes(32).toString('base64url'),
  }
}

/**
 * Reads secrets from `file`, or creates them there (mode 0600). A file from an older checkout that lacks a
 * newer secret gets it added; existing values are kept. Returns whether the file was created.
 */
export function ensureSecrets(file: string): { secrets: DevSecrets; created: boolean } {
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>
    const secrets: DevSecrets = { ...freshSecrets(), ...stored }
    if (Object.keys(stored).length !== Object.keys(secrets).length) write(file, secrets)
    return { secrets, created: false }
  }
  const secrets = freshSecrets()
  write(file, secrets)
  return { secrets, created: true }
}

const write = (file: string, secrets: DevSecrets) =>
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 })
