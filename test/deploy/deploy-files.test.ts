/**
 * The deployment files say what the issue requires: the compose file lists secrets by name only, mounts the
 * data volume and the dstack socket, runs as non-root with a health check and a restart policy, and pins
 * ATTESTATION_MODE=tdx; the Dockerfile is Node 22 slim, non-root, production deps, HEALTHCHECK; wrangler.toml
 * binds SIGNER over mTLS and requires tdx with pinned measurements in every non-development environment.
 */
import { readFileSync } from 'node:fs'
import { parse as parseToml } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { measurementsVar } from '../../edge/attestation/pins-config.ts'
import { loadConfig } from '../../edge/config.ts'
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
  // Several replicas on one PostgreSQL: the URL holds a password; the CA is the database's (docs/deploy.md §8).
  'SIGNER_DATABASE_URL',
  'SIGNER_DATABASE_CA_PEM',
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

  it('pins the WebAuthn relying party in plain (measured) values, matching the production edge', () => {
    // Measured, not a secret: the operator cannot point user proofs at a page they control.
    const toml = read('wrangler.toml')
    const production = toml.slice(toml.indexOf('[env.production'))
    expect(env.SIGNER_RP_ID).toBe(/RP_ID = "([^"]+)"/.exec(production)?.[1])
    expect(env.SIGNER_RP_ORIGINS).toBe(/RP_ORIGIN = "([^"]+)"/.exec(production)?.[1])
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
    ['a Node 22 slim base pinned by digest', /^ARG NODE_IMAGE=node:22-slim@sha256:[0-9a-f]{64}$/m],
    ['Debian packages from a dated snapshot', /^ARG DEBIAN_SNAPSHOT=[0-9]{8}T[0-9]{6}Z$/m],
    ['the snapshot as the only apt source', /snapshot\.debian\.org\/archive\/debian\/%s/],
    ['exactly the lock file, production dependencies only', /npm ci --omit=dev/],
    ['the native addon built, not downloaded', /^ENV npm_config_build_from_source=true$/m],
    ['a non-root user', /^USER (node|[1-9][0-9]*)$/m],
    [
      'a HEALTHCHECK on the plain health port',
      /^HEALTHCHECK [\s\S]*127\.0\.0\.1:'\+process\.env\.SIGNER_HEALTH_PORT\+'\/health/m,
    ],
  ])('has %s', (_n, re) => {
    expect(instructions.join('\n')).toMatch(re)
  })
  it('builds every stage from the pinned base, and fetches nothing at start', () => {
    const froms = instructions.filter((l) => l.startsWith('FROM '))
    expect(froms.length).toBeGreaterThanOrEqual(2)
    for (const f of froms) expect(f).toMatch(/^FROM \$\{NODE_IMAGE\}( AS \w+)?$/)
    expect(instructions.join('\n')).not.toMatch(/npm install|curl|wget/)
    expect(instructions.filter((l) => l.startsWith('CMD '))).toEqual(['CMD ["node", "signer/main.ts"]'])
  })

  it('bakes in no secret', () => {
    const code = instructions.join('\n')
    for (const name of SECRET_NAMES) expect(code).not.toMatch(new RegExp(`(ENV|ARG)[^\\n]*\\b${name}\\b`))
    expect(code).not.toMatch(/-----BEGIN|COPY[^\n]*\.(pem|key|env)\b/)
  })
})

describe('wrangler.toml', () => {
  type Env = {
    name?: string
    workers_dev?: boolean
    preview_urls?: boolean
    vars?: Record<string, string>
    d1_databases?: unknown[]
    mtls_certificates?: { binding: string; certificate_id: string }[]
  }
  const toml = parseToml(read('wrangler.toml')) as Env & { env?: Record<string, Env> }
  const envs = Object.entries(toml.env ?? {})
  const deployed = envs.filter(([n]) => n !== 'development')

  it('has development, staging and production', () => {
    expect(envs.map(([n]) => n).sort()).toEqual(['development', 'production', 'staging'])
  })

  // What a bare `wrangler deploy` (no --env) ships: nothing of development, nothing that works or trusts.
  it('has an inert, safe top level', () => {
    expect(toml.workers_dev).toBe(false)
    expect(toml.preview_urls).toBe(false)
    expect(toml.vars?.ENVIRONMENT).not.toBe('development')
    expect(toml.vars?.ATTESTATION_MODE).toBe('tdx')
    expect(toml.vars?.SIGNER_MEASUREMENTS).toBeUndefined()
    expect(toml.d1_databases).toBeUndefined()
    expect(toml.mtls_certificates).toBeUndefined()
    // Its own name: a bare deploy can never replace the production or staging Worker.
    expect(envs.map(([, e]) => e.name)).not.toContain(toml.name)
    expect(JSON.stringify({ ...toml, env: undefined })).not.toMatch(/insecure-dev|localhost|127\.0\.0\.1/)
    // And the edge refuses to run on it (ERR_CONFIG on every request) rather than trust a signer.
    expect(() => loadConfig({ ...toml.vars })).toThrow(/configuration error/)
  })

  it('keeps every development setting inside env.development', () => {
    const dev = toml.env?.development
    expect(dev?.vars?.ENVIRONMENT).toBe('development')
    expect(dev?.vars?.ATTESTATION_MODE).toBe('insecure-dev')
    for (const [name, e] of deployed) {
      expect(JSON.stringify(e), name).not.toMatch(/insecure-dev|localhost|127\.0\.0\.1/)
      expect(e.workers_dev, name).toBe(false)
      expect(e.preview_urls, name).toBe(false)
      expect(e.vars?.ENVIRONMENT, name).toBe(name)
    }
  })

  it.each(deployed)('%s binds SIGNER over mTLS and requires tdx with pinned measurements', (_name, e) => {
    expect(e.mtls_certificates?.some((c) => c.binding === 'SIGNER')).toBe(true)
    expect(e.vars?.ATTESTATION_MODE).toBe('tdx')
    // Parsed by the edge's own parser: every field of a measurement set is present and well-formed.
    const pins = measurementsVar.safeParse(e.vars?.SIGNER_MEASUREMENTS ?? '')
    expect(pins.success && pins.data.length).toBeGreaterThanOrEqual(1)
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

describe('docker-compose.phala-db.yaml', () => {
  const text = read('docker-compose.phala-db.yaml')
  const lines = text.split('\n').map((l) => l.trim())
  const hba = lines.filter((l) => /^- (local|host|hostssl|hostnossl) /.test(l))
  const servers = lines.filter((l) => /^server db\d /.test(l))

  it.each([
    'synchronous_mode: true',
    'synchronous_mode_strict: true',
    'maximum_lag_on_failover: 0',
    'check_timeline: true',
    'synchronous_commit: "on"',
    'option httpchk GET /primary',
  ])('keeps %s (no acknowledged write lost on failover; only the primary takes traffic)', (line) => {
    expect(lines).toContain(line)
  })

  it('HAProxy verifies each node against the CA and its own name (no `verify none`)', () => {
    expect(text).not.toMatch(/verify\s+none/)
    expect(lines.find((l) => l.startsWith('default-server'))).toMatch(/check-ssl verify required ca-file \S+/)
    expect(servers).toHaveLength(3)
    for (const s of servers) {
      const name = /^server (db\d) (\S+):5432/.exec(s)
      expect(s, s).toContain(`verifyhost ${name?.[2]}`)
    }
  })

  it('pg_hba: network access only over TLS with scram, everything else rejected last', () => {
    const network = hba.filter((l) => !l.startsWith('- local '))
    expect(network.at(-1)).toBe('- host all all all reject')
    for (const l of network.slice(0, -1)) expect(l, l).toMatch(/^- hostssl \S+ \S+ all scram-sha-256$/)
  })

  it('pins every image by digest and keeps the certificates on a tmpfs volume', () => {
    const images = lines.filter((l) => l.startsWith('image: '))
    expect(images.length).toBeGreaterThanOrEqual(4)
    for (const i of images) expect(i, i).toMatch(/@sha256:[0-9a-f]{64}$/)
    expect(text).toMatch(/certs:\n\s+driver_opts:\n\s+type: tmpfs/)
  })
})
