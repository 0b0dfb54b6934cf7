/**
 * The deployment files say what the issue requires: the compose file lists secrets by name only, mounts the
 * data volume and the dstack socket, runs as non-root with a health check and a restart policy, and pins
 * ATTESTATION_MODE=tdx; the Dockerfile is Node 22 slim, non-root, production deps, HEALTHCHECK; wrangler.toml
 * binds SIGNER over mTLS and requires tdx with pinned measurements in every non-development environment.
 */
import { readFileSync } from 'node:fs'
import { parse as parseToml } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { parseYaml, type Yaml } from './yaml-lite.ts'

const root = new URL('../../', import.meta.url)
const read = (p: string) => readFileSync(new URL(p, root), 'utf8')
const obj = (y: Yaml | undefined): Record<string, Yaml> =>
  y && typeof y === 'object' && !Array.isArray(y) ? y : {}

const SECRET_NAMES = [
  // Only for the one-time migration to the KMS key (signer/crypto/kms-master-key.ts); NEXT is refused in tdx.
  'ENCRYPTION_MASTER_KEY',
  'SERVER_SALT_SECRET',
  'SIGNER_TLS_CERT_PEM',
  'SIGNER_TLS_KEY_PEM',
  'SIGNER_CLIENT_CA_PEM',
]
const LOOKS_SECRET = /-----BEGIN|^[A-Za-z0-9+/]{40,}={0,2}$|^[0-9a-f]{64,}$/

describe('docker-compose.phala.yaml', () => {
  const compose = obj(parseYaml(read('docker-compose.phala.yaml')))
  const signer = obj(obj(compose.services).signer)
  const env = obj(signer.environment)

  it('lists every secret by name only, and no value looks like a secret', () => {
    for (const name of SECRET_NAMES) {
      expect(name in env, name).toBe(true)
      expect(env[name], name).toBeNull()
    }
    for (const [name, value] of Object.entries(env)) {
      expect(typeof value === 'string' && LOOKS_SECRET.test(value), name).toBe(false)
    }
  })

  it('keeps deployment policy in the measured file: client pins written here, policy defaults never passed through', () => {
    expect(typeof env.SIGNER_CLIENT_SPKI_PINS).toBe('string')
    expect('ENCRYPTION_MASTER_KEY_NEXT' in env).toBe(false)
    expect('SIGNER_POLICY_DEFAULTS' in env && env.SIGNER_POLICY_DEFAULTS === null).toBe(false)
  })

  it('pins tdx attestation and production', () => {
    expect(env.ATTESTATION_MODE).toBe('tdx')
    expect(env.ENVIRONMENT).toBe('production')
  })

  it('mounts the named data volume at /app/data and the dstack socket', () => {
    const volumes = signer.volumes as string[]
    expect(volumes).toContain('signer-data:/app/data')
    expect(volumes).toContain('/var/run/dstack.sock:/var/run/dstack.sock')
    expect('signer-data' in obj(compose.volumes)).toBe(true)
  })

  it('runs non-root with a health check on the plain health port and a restart policy', () => {
    expect(signer.user).toMatch(/^[1-9][0-9]*:[1-9][0-9]*$/)
    const hc = obj(signer.healthcheck)
    expect((hc.test as string[]).join(' ')).toContain(`127.0.0.1:${env.SIGNER_HEALTH_PORT}/health`)
    expect(signer.restart).toMatch(/^(always|unless-stopped|on-failure)$/)
  })

  it('pins the image by digest (the compose hash then names one build)', () => {
    expect(signer.image).toMatch(/@sha256:[0-9a-f]{64}$/)
  })
})

describe('signer/Dockerfile', () => {
  const docker = read('signer/Dockerfile')
  const instructions = docker.split('\n').filter((l) => !l.trim().startsWith('#'))
  it.each([
    ['Node 22 slim base', /^FROM node:22-slim\b/m],
    ['production dependencies only', /npm ci --omit=dev/],
    ['a non-root user', /^USER (node|[1-9][0-9]*)$/m],
    [
      'a HEALTHCHECK on the plain health port',
      /^HEALTHCHECK [\s\S]*127\.0\.0\.1:'\+process\.env\.SIGNER_HEALTH_PORT\+'\/health/m,
    ],
  ])('has %s', (_n, re) => {
    expect(instructions.join('\n')).toMatch(re)
  })
  it('bakes in no secret', () => {
    const code = instructions.join('\n')
    for (const name of SECRET_NAMES) expect(code).not.toMatch(new RegExp(`(ENV|ARG)[^\\n]*\\b${name}\\b`))
    expect(code).not.toMatch(/-----BEGIN|COPY[^\n]*\.(pem|key|env)\b/)
  })
})

describe('wrangler.toml', () => {
  type Env = {
    vars?: Record<string, string>
    mtls_certificates?: { binding: string; certificate_id: string }[]
  }
  const toml = parseToml(read('wrangler.toml')) as Env & { env?: Record<string, Env> }
  const envs = Object.entries(toml.env ?? {})

  it('has staging and production', () => {
    expect(envs.map(([n]) => n).sort()).toEqual(['production', 'staging'])
  })

  it.each(envs)('%s binds SIGNER over mTLS and requires tdx with pinned measurements', (_name, e) => {
    expect(e.mtls_certificates?.some((c) => c.binding === 'SIGNER')).toBe(true)
    expect(e.vars?.ATTESTATION_MODE).toBe('tdx')
    expect(Object.keys(JSON.parse(e.vars?.SIGNER_MEASUREMENTS ?? '{}')).sort()).toEqual([
      'appId',
      'composeHash',
      'mrtd',
      'rtmr0',
      'rtmr1',
      'rtmr2',
    ])
    expect(e.vars?.PCCS_URL).toMatch(/^https:\/\//)
  })

  it('holds no secret value in any vars block', () => {
    const blocks = [toml.vars ?? {}, ...envs.map(([, e]) => e.vars ?? {})]
    for (const vars of blocks) {
      for (const name of [
        'OPENAI_API_KEY',
        'UPSTASH_REDIS_REST_TOKEN',
        'UPSTASH_REDIS_REST_URL',
        'AUTH_SECRET',
        ...SECRET_NAMES,
      ]) {
        expect(name in vars, name).toBe(false)
      }
    }
  })
})
