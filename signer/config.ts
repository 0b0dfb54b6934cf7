/**
 * The signer's configuration, parsed once at start from process.env into a frozen object. Secrets come from
 * secrets.ts (CriticalSecurityError); everything else fails with ConfigError. Either way the process stops
 * before it opens a socket, and messages name variables, never values.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { ATTESTATION_MODES, type AttestationMode } from '../shared/attestation.ts'
import { type NetworkConfig, parseNetwork, protocolContractsOf } from '../shared/network.ts'
import { ConfigError, CriticalSecurityError, type Problem } from './errors.ts'
import { builtinDefaults, compilePolicy, type Policy } from './policy/config.ts'
import { type KmsSecretInputs, loadKmsSecretInputs, loadSecrets, type Secrets } from './secrets.ts'
import { parseDatabaseUrl } from './store/postgres/database-url.ts'
import { parseSpkiPins } from './tls/client-pins.ts'

export const ENVIRONMENTS = ['development', 'staging', 'production'] as const
export type Environment = (typeof ENVIRONMENTS)[number]

/**
 * Where the master key comes from: the environment (insecure-dev: laptops and tests), or the dstack KMS (tdx),
 * asked at start by startSigner, with an optional legacy env key that only opens rows not yet rotated.
 */
export type SecretSource =
  | { readonly kind: 'env'; readonly secrets: Secrets }
  | { readonly kind: 'kms'; readonly inputs: KmsSecretInputs }

export type TlsMaterial = {
  readonly cert: string
  readonly key: string
  readonly clientCa: string
  /** Hex SHA-256 of the SPKI of every client certificate accepted (signer/tls/client-pins.ts). */
  readonly clientSpkiPins: ReadonlySet<string>
}

export type SignerConfig = {
  readonly environment: Environment
  readonly dataDir: string
  /**
   * SIGNER_DATABASE_URL: PostgreSQL for stateless replicas (signer/store/postgres); undefined = the
   * embedded SQLite file in dataDir. Holds a password: never logged (log.ts redacts it; describeDatabaseUrl).
   */
  readonly databaseUrl: string | undefined
  readonly host: string
  /** 0 asks the OS for a free port; the "signer listening" log line carries the real one. */
  readonly port: number
  /** Plain-HTTP liveness on 127.0.0.1; undefined = not served. */
  readonly healthPort: number | undefined
  readonly tls: TlsMaterial
  readonly network: NetworkConfig
  readonly secrets: SecretSource
  /** The deployment's default spending policy (SIGNER_POLICY_DEFAULTS, else the issue-12 defaults). */
  readonly policy: Policy
  /**
   * The WebAuthn relying party the signer checks user proofs against (SIGNER_RP_ID, SIGNER_RP_ORIGINS).
   * Plain, measured configuration: a hostile operator cannot point it at a page they control without
   * changing the compose hash the edge pins.
   */
  readonly rp: RelyingParty
  /** tdx: quote from the dstack guest agent. insecure-dev: no TEE, development only. */
  readonly attestation: { readonly mode: AttestationMode; readonly dstackEndpoint: string | undefined }
}

export type RelyingParty = { readonly id: string; readonly origins: readonly string[] }

const port = z.coerce.number().int().min(0).max(65_535)
const RP_ID = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/

const PlainSchema = z.object({
  ENVIRONMENT: z.enum(ENVIRONMENTS).default('production'),
  SIGNER_DATA_DIR: z.string().min(1).default('/app/data'),
  // Unset: SQLite in SIGNER_DATA_DIR. Set: PostgreSQL (signer/store/open.ts). Carries a password: never logged.
  SIGNER_DATABASE_URL: z.string().min(1).optional(),
  SIGNER_HOST: z.string().min(1).optional(),
  SIGNER_PORT: port.default(8443),
  SIGNER_HEALTH_PORT: port.optional(),
  SIGNER_TLS_CERT: z.string().min(1, 'missing'),
  SIGNER_TLS_KEY: z.string().min(1, 'missing'),
  SIGNER_CLIENT_CA: z.string().min(1, 'missing'),
  SIGNER_CLIENT_SPKI_PINS: z.string().min(1, 'missing'),
  SIGNER_POLICY_DEFAULTS: z.string().optional(),
  ATTESTATION_MODE: z.enum(ATTESTATION_MODES).default('tdx'),
  DSTACK_SIMULATOR_ENDPOINT: z.string().min(1).optional(),
  SIGNER_RP_ID: z.string().regex(RP_ID),
  SIGNER_RP_ORIGINS: z.string().min(1),
})

/**
 * Origins are exact (`scheme://host[:port]`, no path), on the RP ID or a subdomain of it, and https: plain
 * http only for localhost in development. A bad entry fails the start; none is silently dropped.
 */
export function parseOrigins(raw: string, rpId: string, environment: Environment): string[] | undefined {
  const out: string[] = []
  for (const entry of raw.split(',').map((o) => o.trim())) {
    let url: URL
    try {
      url = new URL(entry)
    } catch {
      return undefined
    }
    const host = url.hostname
    const onRp = host === rpId || host.endsWith(`.${rpId}`)
    const localHttp = url.protocol === 'http:' && environment === 'development' && host === 'localhost'
    if (url.origin !== entry || !onRp || !(url.protocol === 'https:' || localHttp)) return undefined
    out.push(entry)
  }
  return out.length > 0 ? out : undefined
}

const PEM = /-----BEGIN [A-Z0-9 ]+-----/

function readPemFile(variable: string, path: string, problems: Problem[]): string {
  try {
    const text = readFileSync(path, 'utf8')
    if (!PEM.test(text)) problems.push({ variable, message: 'file is not PEM' })
    return text
  } catch {
    problems.push({ variable, message: 'file cannot be read' })
    return ''
  }
}

/** Treats empty strings as unset, the way shells and compose files pass "nothing". */
function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v
  return out
}

/** Parses the whole configuration; throws CriticalSecurityError (secrets) or ConfigError (the rest). */
export function loadConfig(rawEnv: Record<string, string | undefined>): SignerConfig {
  const env = definedOnly(rawEnv)
  // Secrets first: a missing master key must be reported as the security failure it is. Only insecure-dev
  // takes the master key from the environment; anything else (tdx, or a mode that will fail below) asks the KMS.
  const secrets: SecretSource =
    env.ATTESTATION_MODE === 'insecure-dev'
      ? { kind: 'env', secrets: loadSecrets(rawEnv) }
      : { kind: 'kms', inputs: loadKmsSecretInputs(rawEnv) }
  const problems: Problem[] = []
  const parsed = PlainSchema.safeParse(env)
  const network = parseNetwork(env)
  if (!network.ok) {
    for (const line of network.problems) {
      const [variable = 'STELLAR_NETWORK', ...rest] = line.split(': ')
      problems.push({ variable, message: rest.join(': ') || 'invalid' })
    }
  }
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? 'env')
      problems.push({ variable, message: env[variable] === undefined ? 'missing' : 'invalid' })
    }
  }
  if (!parsed.success || !network.ok) {
    wipeSource(secrets)
    throw new ConfigError(problems)
  }
  const v = parsed.data
  // A signer outside a TEE must never pass for the real one: insecure-dev exists for laptops and tests only.
  if (v.ATTESTATION_MODE === 'insecure-dev' && v.ENVIRONMENT !== 'development') {
    wipeSource(secrets)
    throw new CriticalSecurityError([
      { variable: 'ATTESTATION_MODE', message: `insecure-dev is refused when ENVIRONMENT=${v.ENVIRONMENT}` },
    ])
  }
  const tls = {
    cert: readPemFile('SIGNER_TLS_CERT', v.SIGNER_TLS_CERT, problems),
    key: readPemFile('SIGNER_TLS_KEY', v.SIGNER_TLS_KEY, problems),
    clientCa: readPemFile('SIGNER_CLIENT_CA', v.SIGNER_CLIENT_CA, problems),
    clientSpkiPins: pinsOf(v.SIGNER_CLIENT_SPKI_PINS, problems),
  }
  const policy = policyOf(v.SIGNER_POLICY_DEFAULTS, network.network, problems)
  const origins = parseOrigins(v.SIGNER_RP_ORIGINS, v.SIGNER_RP_ID, v.ENVIRONMENT)
  if (!origins) problems.push({ variable: 'SIGNER_RP_ORIGINS', message: 'invalid' })
  const databaseUrl =
    v.SIGNER_DATABASE_URL === undefined ? undefined : parseDatabaseUrl(v.SIGNER_DATABASE_URL, v.ENVIRONMENT)
  if (databaseUrl && !databaseUrl.ok)
    problems.push({ variable: 'SIGNER_DATABASE_URL', message: databaseUrl.error })
  if (problems.length > 0 || !policy || !origins) {
    wipeSource(secrets)
    throw new ConfigError(problems)
  }
  return Object.freeze({
    environment: v.ENVIRONMENT,
    dataDir: v.SIGNER_DATA_DIR,
    databaseUrl: databaseUrl?.ok ? databaseUrl.value : undefined,
    // Outside development the signer runs in a container whose network is the boundary.
    host: v.SIGNER_HOST ?? (v.ENVIRONMENT === 'development' ? '127.0.0.1' : '0.0.0.0'),
    port: v.SIGNER_PORT,
    healthPort: v.SIGNER_HEALTH_PORT,
    tls: Object.freeze(tls),
    network: network.network,
    secrets,
    policy,
    rp: Object.freeze({ id: v.SIGNER_RP_ID, origins: Object.freeze(origins) }),
    attestation: Object.freeze({ mode: v.ATTESTATION_MODE, dstackEndpoint: v.DSTACK_SIMULATOR_ENDPOINT }),
  })
}

/** Zeroes what the environment gave (on a refused start; startSigner wipes the resolved keys on close). */
export function wipeSource(source: SecretSource): void {
  if (source.kind === 'env') {
    for (const k of source.secrets.keys.values()) k.bytes.fill(0)
    source.secrets.salt.fill(0)
  } else {
    source.inputs.legacy?.bytes.fill(0)
    source.inputs.salt.fill(0)
  }
}

function pinsOf(raw: string, problems: Problem[]): ReadonlySet<string> {
  const pins = parseSpkiPins(raw)
  if (pins.ok) return pins.value
  problems.push({ variable: 'SIGNER_CLIENT_SPKI_PINS', message: pins.error })
  return new Set()
}

function policyOf(raw: string | undefined, network: NetworkConfig, problems: Problem[]): Policy | undefined {
  try {
    const input =
      raw === undefined ? builtinDefaults(network.name, network.customProtocols?.usdcIssuer) : JSON.parse(raw)
    return compilePolicy(input, network.passphrase, protocolContractsOf(network))
  } catch (e) {
    // The message names a field path, never a value.
    const why = e instanceof SyntaxError ? 'not JSON' : e instanceof Error ? e.message : 'invalid'
    problems.push({ variable: 'SIGNER_POLICY_DEFAULTS', message: why })
    return undefined
  }
}
