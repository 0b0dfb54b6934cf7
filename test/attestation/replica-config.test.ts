/**
 * SIGNER_URL / SIGNER_URLS / SIGNER_AUDIT_CHAIN as edge/config.ts parses them: one signer or a list of
 * replicas, never both; https only; no replica twice; per-replica heads only in development.
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../edge/config.ts'
import { AppError } from '../../shared/errors.ts'

const BASE = {
  ENVIRONMENT: 'development',
  ALLOWED_ORIGINS: 'http://localhost:8787',
  RP_ID: 'localhost',
  RP_ORIGIN: 'http://localhost:8787',
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1',
  UPSTASH_REDIS_REST_TOKEN: 'token',
  AUTH_SECRET: 'x'.repeat(32),
  ATTESTATION_MODE: 'insecure-dev',
  STELLAR_NETWORK: 'testnet',
}
const PINS = {
  mrtd: '00'.repeat(48),
  rtmr0: '00'.repeat(48),
  rtmr1: '00'.repeat(48),
  rtmr2: '00'.repeat(48),
  osImageHash: '00'.repeat(32),
  keyProvider: { name: 'kms', id: '00' },
  composeHash: '00'.repeat(32),
  appId: '00',
}
const TDX = { ENVIRONMENT: 'staging', ATTESTATION_MODE: 'tdx', SIGNER_MEASUREMENTS: JSON.stringify(PINS) }
const A = 'https://a.signer.test:8443'
const B = 'https://b.signer.test:8443'

describe('signer replica config refuses', () => {
  const rows: [string, Record<string, string>, RegExp][] = [
    ['neither SIGNER_URL nor SIGNER_URLS', {}, /SIGNER_URL: set SIGNER_URL/],
    ['both', { SIGNER_URL: A, SIGNER_URLS: B }, /SIGNER_URLS: set SIGNER_URL or SIGNER_URLS, not both/],
    ['an http replica', { SIGNER_URLS: `${A},http://b.signer.test` }, /SIGNER_URLS/],
    ['an http SIGNER_URL', { SIGNER_URL: 'http://a.signer.test' }, /SIGNER_URL/],
    ['a replica twice', { SIGNER_URLS: `${A}, ${A}` }, /SIGNER_URLS: lists a replica twice/],
    ['an empty list', { SIGNER_URLS: ' , ' }, /SIGNER_URLS/],
    ['not a URL', { SIGNER_URLS: 'signer-a' }, /SIGNER_URLS/],
    [
      'nine replicas',
      { SIGNER_URLS: Array.from({ length: 9 }, (_, i) => `https://s${i}.test`).join(',') },
      /SIGNER_URLS/,
    ],
    ['an unknown chain mode', { SIGNER_URL: A, SIGNER_AUDIT_CHAIN: 'none' }, /SIGNER_AUDIT_CHAIN/],
    [
      'per-replica heads in staging',
      { ...TDX, SIGNER_URLS: `${A},${B}`, SIGNER_AUDIT_CHAIN: 'per-replica' },
      /SIGNER_AUDIT_CHAIN: per-replica is refused in staging/,
    ],
    [
      'an rtmr3 pin (one instance) with several replicas',
      {
        ...TDX,
        SIGNER_URLS: `${A},${B}`,
        SIGNER_MEASUREMENTS: JSON.stringify({ ...PINS, rtmr3: '00'.repeat(48) }),
      },
      /SIGNER_MEASUREMENTS: rtmr3 pins one instance/,
    ],
  ]
  it.each(rows)('%s', (_name, vars, message) => {
    let thrown: unknown
    try {
      loadConfig({ ...BASE, ...vars })
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(AppError)
    expect((thrown as AppError).code).toBe('ERR_CONFIG')
    expect((thrown as AppError).message).toMatch(message)
  })
})

describe('signer replica config accepts', () => {
  const rows: [string, Record<string, string>, string[], string][] = [
    ['SIGNER_URL as a list of one', { SIGNER_URL: `${A}/` }, [A], 'shared'],
    ['SIGNER_URLS in order', { SIGNER_URLS: ` ${B}/, ${A} ` }, [B, A], 'shared'],
    ['several replicas in staging, one shared chain', { ...TDX, SIGNER_URLS: `${A},${B}` }, [A, B], 'shared'],
    [
      'per-replica heads in development',
      { SIGNER_URLS: A, SIGNER_AUDIT_CHAIN: 'per-replica' },
      [A],
      'per-replica',
    ],
  ]
  it.each(rows)('%s', (_name, vars, urls, chain) => {
    const c = loadConfig({ ...BASE, ...vars })
    expect(c.signerUrls).toEqual(urls)
    expect(c.signerAuditChain).toBe(chain)
  })
})
