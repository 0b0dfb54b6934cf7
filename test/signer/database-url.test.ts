/**
 * SIGNER_DATABASE_URL: postgres:// or postgresql:// only, TLS that checks the server's name off loopback
 * outside development, and a password that never shows in an error or a log description.
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../signer/config.ts'
import { describeDatabaseUrl, parseDatabaseUrl } from '../../signer/store/postgres/database-url.ts'
import { testEnv } from './helpers.ts'

const SECRET = 'hunter2-Zq9'

describe('parseDatabaseUrl', () => {
  it.each<[string, string, string]>([
    ['not a URL', 'db.internal:5432', 'development'],
    ['mysql', `mysql://u:${SECRET}@db/tuxedo`, 'development'],
    ['http', `http://u:${SECRET}@db/tuxedo`, 'development'],
    ['file', 'file:///var/run/postgresql', 'development'],
    ['no database', `postgres://u:${SECRET}@db:5432`, 'development'],
    ['no database (slash)', `postgres://u:${SECRET}@db:5432/`, 'development'],
    ['unknown sslmode', `postgres://u:${SECRET}@db/tuxedo?sslmode=maybe`, 'development'],
    ['plain TCP off loopback in production', `postgres://u:${SECRET}@db.internal/tuxedo`, 'production'],
    [
      'sslmode=require in production',
      `postgres://u:${SECRET}@db.internal/tuxedo?sslmode=require`,
      'production',
    ],
    [
      'sslmode=no-verify in staging',
      `postgres://u:${SECRET}@db.internal/tuxedo?sslmode=no-verify`,
      'staging',
    ],
  ])('refused: %s', (_name, raw, environment) => {
    const r = parseDatabaseUrl(raw, environment)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).not.toContain(SECRET)
  })

  it.each<[string, string, string]>([
    ['postgres:// in development', `postgres://u:${SECRET}@db.internal:5432/tuxedo`, 'development'],
    [
      'postgresql:// on loopback in production',
      `postgresql://u:${SECRET}@127.0.0.1:5432/tuxedo`,
      'production',
    ],
    [
      'verify-full in production',
      `postgres://u:${SECRET}@db.internal/tuxedo?sslmode=verify-full`,
      'production',
    ],
  ])('accepted: %s', (_name, raw, environment) => {
    expect(parseDatabaseUrl(raw, environment)).toStrictEqual({ ok: true, value: raw })
  })

  it.each([
    [
      `postgres://tuxedo:${SECRET}@db.internal:5433/signer?sslmode=verify-full`,
      'postgres://db.internal:5433/signer',
    ],
    [`postgresql://tuxedo:${SECRET}@10.0.0.5/signer`, 'postgresql://10.0.0.5/signer'],
    ['nonsense', 'postgres (unparsable url)'],
  ])('described for logs without user or password: %s', (raw, described) => {
    expect(describeDatabaseUrl(raw)).toBe(described)
  })
})

describe('loadConfig', () => {
  it('unset: the embedded SQLite (databaseUrl undefined)', () => {
    expect(loadConfig(testEnv()).databaseUrl).toBeUndefined()
  })
  it('set: kept as given', () => {
    const url = `postgres://u:${SECRET}@127.0.0.1:5432/tuxedo`
    expect(loadConfig(testEnv({ SIGNER_DATABASE_URL: url })).databaseUrl).toBe(url)
  })
  it('malformed: ConfigError naming the variable, never its value', () => {
    const run = () => loadConfig(testEnv({ SIGNER_DATABASE_URL: `mysql://u:${SECRET}@db/tuxedo` }))
    expect(run).toThrow(/SIGNER_DATABASE_URL: must be postgres:\/\/ or postgresql:\/\//)
    try {
      run()
    } catch (e) {
      expect(String(e instanceof Error ? e.message : e)).not.toContain(SECRET)
    }
  })
})
