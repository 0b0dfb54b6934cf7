/**
 * Fail closed: every required variable missing or malformed stops `node signer/main.ts` with a non-zero
 * exit within seconds, a message naming the variable, never its value, and no listening socket.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listeningLine, runChild } from './child.ts'
import { guardAgainstLeaks, randomMasterKey, testEnv } from './helpers.ts'

guardAgainstLeaks()

const notPem = join(testEnv().SIGNER_DATA_DIR ?? '/tmp', 'not.pem')
writeFileSync(notPem, 'hello')
const KEY = randomMasterKey()

type Row = [string, Record<string, string | undefined>, string, 'CriticalSecurityError' | 'ConfigError']

const rows: Row[] = [
  [
    'master key missing',
    { ENCRYPTION_MASTER_KEY: undefined },
    'ENCRYPTION_MASTER_KEY',
    'CriticalSecurityError',
  ],
  ['master key empty', { ENCRYPTION_MASTER_KEY: '' }, 'ENCRYPTION_MASTER_KEY', 'CriticalSecurityError'],
  [
    'master key not base64',
    { ENCRYPTION_MASTER_KEY: 'not base64 at all!' },
    'ENCRYPTION_MASTER_KEY',
    'CriticalSecurityError',
  ],
  [
    'master key 31 bytes',
    { ENCRYPTION_MASTER_KEY: randomBytes(31).toString('base64') },
    'ENCRYPTION_MASTER_KEY',
    'CriticalSecurityError',
  ],
  [
    'master key 33 bytes',
    { ENCRYPTION_MASTER_KEY: randomBytes(33).toString('base64') },
    'ENCRYPTION_MASTER_KEY',
    'CriticalSecurityError',
  ],
  [
    'master key hex',
    { ENCRYPTION_MASTER_KEY: randomBytes(32).toString('hex') },
    'ENCRYPTION_MASTER_KEY',
    'CriticalSecurityError',
  ],
  [
    'master key all zero',
    { ENCRYPTION_MASTER_KEY: Buffer.alloc(32).toString('base64') },
    'ENCRYPTION_MASTER_KEY',
    'CriticalSecurityError',
  ],
  [
    'next key malformed',
    { ENCRYPTION_MASTER_KEY_NEXT: 'abc' },
    'ENCRYPTION_MASTER_KEY_NEXT',
    'CriticalSecurityError',
  ],
  [
    'next key equals current',
    { ENCRYPTION_MASTER_KEY: KEY, ENCRYPTION_MASTER_KEY_NEXT: KEY },
    'ENCRYPTION_MASTER_KEY_NEXT',
    'CriticalSecurityError',
  ],
  ['salt missing', { SERVER_SALT_SECRET: undefined }, 'SERVER_SALT_SECRET', 'CriticalSecurityError'],
  ['salt 31 bytes', { SERVER_SALT_SECRET: 'x'.repeat(31) }, 'SERVER_SALT_SECRET', 'CriticalSecurityError'],
  ['tls cert missing', { SIGNER_TLS_CERT: undefined }, 'SIGNER_TLS_CERT', 'ConfigError'],
  ['tls cert unreadable', { SIGNER_TLS_CERT: '/nonexistent/server.crt' }, 'SIGNER_TLS_CERT', 'ConfigError'],
  ['tls key not PEM', { SIGNER_TLS_KEY: notPem }, 'SIGNER_TLS_KEY', 'ConfigError'],
  ['client CA missing', { SIGNER_CLIENT_CA: undefined }, 'SIGNER_CLIENT_CA', 'ConfigError'],
  ['client pins missing', { SIGNER_CLIENT_SPKI_PINS: undefined }, 'SIGNER_CLIENT_SPKI_PINS', 'ConfigError'],
  [
    'client pin not a hash',
    { SIGNER_CLIENT_SPKI_PINS: 'tuxedo-edge' },
    'SIGNER_CLIENT_SPKI_PINS',
    'ConfigError',
  ],
  [
    'client pin 31 bytes',
    { SIGNER_CLIENT_SPKI_PINS: 'ab'.repeat(31) },
    'SIGNER_CLIENT_SPKI_PINS',
    'ConfigError',
  ],
  [
    'client pins empty entry',
    { SIGNER_CLIENT_SPKI_PINS: `${'ab'.repeat(32)},` },
    'SIGNER_CLIENT_SPKI_PINS',
    'ConfigError',
  ],
  [
    'client pin listed twice (hex and base64)',
    {
      SIGNER_CLIENT_SPKI_PINS: `${'ab'.repeat(32)},${Buffer.from('ab'.repeat(32), 'hex').toString('base64')}`,
    },
    'SIGNER_CLIENT_SPKI_PINS',
    'ConfigError',
  ],
  [
    'five client pins',
    { SIGNER_CLIENT_SPKI_PINS: ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(64)).join(',') },
    'SIGNER_CLIENT_SPKI_PINS',
    'ConfigError',
  ],
  ['port not a number', { SIGNER_PORT: 'eighty' }, 'SIGNER_PORT', 'ConfigError'],
  ['port out of range', { SIGNER_PORT: '70000' }, 'SIGNER_PORT', 'ConfigError'],
  ['health port malformed', { SIGNER_HEALTH_PORT: '-1' }, 'SIGNER_HEALTH_PORT', 'ConfigError'],
  ['unknown network', { STELLAR_NETWORK: 'futurenet' }, 'STELLAR_NETWORK', 'ConfigError'],
  [
    'custom network without passphrase',
    {
      STELLAR_NETWORK: 'custom',
      HORIZON_URL: 'http://127.0.0.1:8000',
      SOROBAN_RPC_URL: 'http://127.0.0.1:8000/rpc',
    },
    'NETWORK_PASSPHRASE',
    'ConfigError',
  ],
  ['unknown environment', { ENVIRONMENT: 'prod' }, 'ENVIRONMENT', 'ConfigError'],
]

const refusesConnection = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.on('connect', () => {
      s.destroy()
      resolve(false)
    })
    s.on('error', () => resolve(true))
  })

describe('configuration fails closed', () => {
  it.concurrent.each(rows)(
    '%s → exits non-zero naming the variable',
    async (_name, overrides, variable, kind) => {
      // A fixed port so we can check afterwards that nothing listened on it.
      const port = 20_000 + Math.floor(Math.random() * 20_000)
      const env = testEnv({ SIGNER_PORT: String(port), ...overrides })
      const result = await runChild('signer/main.ts', env).exited
      expect(result.code).not.toBe(0)
      expect(result.ms).toBeLessThan(10_000)
      const output = result.stdout + result.stderr
      expect(output).toContain(variable)
      expect(output).toContain(kind)
      expect(output).not.toContain('signer listening')
      for (const v of Object.values(overrides))
        if (v && v.length > 8 && variable !== 'SIGNER_TLS_CERT') expect(output).not.toContain(v)
      for (const secret of [env.ENCRYPTION_MASTER_KEY, env.SERVER_SALT_SECRET])
        if (secret) expect(output).not.toContain(secret)
      if (!('SIGNER_PORT' in overrides)) expect(await refusesConnection(port)).toBe(true)
    },
  )

  it('starts with a valid configuration, reports its real ports, and stops on SIGTERM', async () => {
    const child = runChild('signer/main.ts', testEnv())
    const out = await child.waitFor('signer listening')
    const { port, healthPort } = listeningLine(out)
    expect(port).toBeGreaterThan(0)
    expect(healthPort).toBeGreaterThan(0)
    const health = await fetch(`http://127.0.0.1:${healthPort}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    expect((await fetch(`http://127.0.0.1:${healthPort}/metrics`)).status).toBe(404)
    child.proc.kill('SIGTERM')
    const result = await child.exited
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('signer stopped')
  })
})
