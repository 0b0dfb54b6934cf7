/**
 * The Worker's configuration: every var and secret parsed once with zod into a frozen object.
 * A problem names the variable, never its value (a malformed secret is still a secret).
 */
import { z } from 'zod'
import { ATTESTATION_MODES, type AttestationMode } from '../shared/attestation.ts'
import { AppError } from '../shared/errors.ts'
import { type NetworkConfig, NetworkInputSchema, resolveNetwork } from '../shared/network.ts'
import type { MeasurementPins } from './attestation/pins.ts'
import { advisoriesVar, measurementsVar, NO_PINS } from './attestation/pins-config.ts'

export const ENVIRONMENTS = ['development', 'staging', 'production'] as const
export type Environment = (typeof ENVIRONMENTS)[number]

/** "20/1h" → 20 requests per sliding hour. Units: s, m, h, d. */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
export type Limit = {
  readonly limit: number
  readonly windowMs: number
  readonly window: `${number} ${'s' | 'm' | 'h' | 'd'}`
}
const LimitSchema = z.string().transform((v, ctx): Limit => {
  const m = /^([1-9][0-9]{0,6})\/([1-9][0-9]{0,4})(s|m|h|d)$/.exec(v.trim())
  if (!m?.[1] || !m[2] || !m[3]) {
    ctx.addIssue({ code: 'custom', message: 'must look like "20/1h" (count/window with s, m, h or d)' })
    return z.NEVER
  }
  const unit = m[3] as keyof typeof UNIT_MS
  return { limit: Number(m[1]), windowMs: Number(m[2]) * UNIT_MS[unit], window: `${Number(m[2])} ${unit}` }
})

const origins = z.string().transform((v, ctx) => {
  const list = v
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
  for (const o of list) {
    const parsed = URL.canParse(o) ? new URL(o) : undefined
    if (!parsed || parsed.origin !== o) {
      ctx.addIssue({ code: 'custom', message: `"${o}" is not an origin like https://app.example` })
      return z.NEVER
    }
  }
  return Object.freeze(list)
})

const TCB_STATUSES = [
  'UpToDate',
  'SWHardeningNeeded',
  'ConfigurationNeeded',
  'ConfigurationAndSWHardeningNeeded',
  'OutOfDate',
  'OutOfDateConfigurationNeeded',
] as const

const signerUrl = z
  .url({ protocol: /^https$/, error: 'must be an https URL (the signer is only reached over mTLS)' })
  .transform((u) => u.replace(/\/+$/, ''))

/** "https://a:8443, https://b:8443" → distinct https URLs, at most 8 replicas. */
const signerUrls = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
  )
  .pipe(z.array(signerUrl).min(1).max(8))
  .refine((list) => new Set(list).size === list.length, 'lists a replica twice')

/**
 * `shared`: every replica serves one database (PostgreSQL), so one audit chain, one highest head for all.
 * `per-replica`: each replica keeps its own database and chain (the SQLite default, one per process): the
 * highest head is kept per replica URL. Development only: in a deployment, replicas that do not share a
 * database do not share accounts either, and a fork between them would go unnoticed.
 */
export const AUDIT_CHAIN_MODES = ['shared', 'per-replica'] as const
export type AuditChainMode = (typeof AUDIT_CHAIN_MODES)[number]

const secret = (name: string) => z.string({ error: `${name} is not set` }).min(1, `${name} is empty`)

const EnvSchema = z
  .object({
    ENVIRONMENT: z.enum(ENVIRONMENTS, { error: 'must be development, staging or production' }),
    ALLOWED_ORIGINS: origins,
    RP_ID: z
      .string()
      .min(1)
      .regex(/^[a-z0-9.-]+$/, 'must be a bare host name'),
    RP_ORIGIN: z.url({ protocol: /^https?$/ }),
    RP_NAME: z.string().min(1).default('Tuxedo'),
    // One signer (SIGNER_URL) or several replicas (SIGNER_URLS, comma-separated): never both.
    SIGNER_URL: signerUrl.optional(),
    SIGNER_URLS: signerUrls.optional(),
    // Where the highest audit head is kept: one chain for all replicas (one database), or one per replica.
    SIGNER_AUDIT_CHAIN: z
      .enum(AUDIT_CHAIN_MODES, { error: 'must be shared or per-replica' })
      .default('shared'),
    UPSTASH_REDIS_REST_URL: secret('UPSTASH_REDIS_REST_URL').pipe(
      z.url({ protocol: /^https?$/, error: 'must be a URL' }),
    ),
    UPSTASH_REDIS_REST_TOKEN: secret('UPSTASH_REDIS_REST_TOKEN'),
    // Keys the HMACs of recovery codes and of the decoy credential ids shown for unknown emails.
    AUTH_SECRET: secret('AUTH_SECRET').pipe(z.string().min(32, 'AUTH_SECRET must be at least 32 characters')),
    OPENAI_API_KEY: z.string().optional(),
    OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1'),
    PRIMARY_MODEL: z.string().min(1).default('gpt-4o-mini'),
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(65_536),
    RATE_LIMIT_MONEY: LimitSchema.default({ limit: 20, windowMs: 3_600_000, window: '1 h' }),
    RATE_LIMIT_CHAT_MINUTE: LimitSchema.default({ limit: 10, windowMs: 60_000, window: '1 m' }),
    RATE_LIMIT_CHAT_HOUR: LimitSchema.default({ limit: 100, windowMs: 3_600_000, window: '1 h' }),
    RATE_LIMIT_CHAT_ANON: LimitSchema.default({ limit: 5, windowMs: 60_000, window: '1 m' }),
    RATE_LIMIT_AUTH: LimitSchema.default({ limit: 10, windowMs: 60_000, window: '1 m' }),
    RATE_LIMIT_RECOVERY: LimitSchema.default({ limit: 5, windowMs: 3_600_000, window: '1 h' }),
    RATE_LIMIT_HEALTH: LimitSchema.default({ limit: 30, windowMs: 60_000, window: '1 m' }),
    RATE_LIMIT_READ: LimitSchema.default({ limit: 300, windowMs: 60_000, window: '1 m' }),
    // What the edge accepts from the signer; tdx unless set, and insecure-dev is development-only (below).
    ATTESTATION_MODE: z.enum(ATTESTATION_MODES, { error: 'must be tdx or insecure-dev' }).default('tdx'),
    PCCS_URL: z
      .url({ protocol: /^https$/, error: 'must be an https URL' })
      .default('https://pccs.phala.network'),
    // One accepted release, or a list of two while rotating (edge/attestation/pins-config.ts, docs/deploy.md).
    SIGNER_MEASUREMENTS: measurementsVar.optional(),
    SIGNER_DENIED_ADVISORIES: advisoriesVar.default([]),
    SIGNER_TCB_STATUSES: z
      .string()
      .transform((v) => v.split(',').map((x) => x.trim()))
      .pipe(z.array(z.enum(TCB_STATUSES, { error: 'unknown TCB status' })).min(1))
      .default(['UpToDate']),
  })
  .and(NetworkInputSchema)
  .superRefine((e, ctx) => {
    if ((e.SIGNER_URL === undefined) === (e.SIGNER_URLS === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [e.SIGNER_URL === undefined ? 'SIGNER_URL' : 'SIGNER_URLS'],
        message:
          e.SIGNER_URL === undefined
            ? 'set SIGNER_URL (one signer) or SIGNER_URLS (replicas)'
            : 'set SIGNER_URL or SIGNER_URLS, not both',
      })
    }
    // RTMR3 replays the instance-id event: a set pinning it matches one CVM, never several replicas.
    if ((e.SIGNER_URLS?.length ?? 1) > 1 && e.SIGNER_MEASUREMENTS?.some((p) => p.rtmr3 !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SIGNER_MEASUREMENTS'],
        message:
          'rtmr3 pins one instance; leave it out with several SIGNER_URLS (it is replayed, not pinned)',
      })
    }
    if (e.SIGNER_AUDIT_CHAIN === 'per-replica' && e.ENVIRONMENT !== 'development') {
      ctx.addIssue({
        code: 'custom',
        path: ['SIGNER_AUDIT_CHAIN'],
        message: `per-replica is refused in ${e.ENVIRONMENT} (replicas share one database there)`,
      })
    }
    // Staging and production never talk to a signer that is not in a TEE.
    if (e.ATTESTATION_MODE === 'insecure-dev' && e.ENVIRONMENT !== 'development') {
      ctx.addIssue({
        code: 'custom',
        path: ['ATTESTATION_MODE'],
        message: `insecure-dev is refused in ${e.ENVIRONMENT}`,
      })
    }
    if (e.ATTESTATION_MODE === 'tdx' && e.SIGNER_MEASUREMENTS === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SIGNER_MEASUREMENTS'],
        message: 'required when ATTESTATION_MODE=tdx',
      })
    }
  })

export type Config = {
  readonly environment: Environment
  readonly network: NetworkConfig
  readonly allowedOrigins: readonly string[]
  readonly rp: { readonly id: string; readonly origin: string; readonly name: string }
  /** The signer replicas, in order of preference (SIGNER_URL is a list of one). */
  readonly signerUrls: readonly [string, ...string[]]
  readonly signerAuditChain: AuditChainMode
  readonly redis: { readonly url: string; readonly token: string }
  readonly authSecret: string
  readonly llm: { readonly apiKey: string | undefined; readonly baseUrl: string; readonly model: string }
  readonly bodyLimitBytes: number
  readonly attestation: {
    readonly mode: AttestationMode
    readonly pccsUrl: string
    readonly allowedTcbStatuses: readonly string[]
    readonly deniedAdvisoryIds: readonly string[]
    /** Accepted releases; all-zero pins in insecure-dev, where nothing is compared. */
    readonly pins: readonly MeasurementPins[]
  }
  readonly limits: {
    readonly money: Limit
    readonly chatMinute: Limit
    readonly chatHour: Limit
    readonly chatAnon: Limit
    readonly auth: Limit
    readonly recovery: Limit
    readonly health: Limit
    readonly read: Limit
  }
}

export { NO_PINS }

const cache = new WeakMap<object, Config>()

/** Parses the env once per isolate (env is stable per isolate); throws ERR_CONFIG naming the variables. */
export function loadConfig(env: Record<string, unknown>): Config {
  const hit = cache.get(env)
  if (hit) return hit
  // Empty strings from wrangler vars mean "not set".
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string' && v !== ''))
  const parsed = EnvSchema.safeParse(raw)
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => `${String(i.path[0] ?? 'env')}: ${i.message}`)
    throw new AppError('ERR_CONFIG', `configuration error: ${names.join('; ')}`)
  }
  const e = parsed.data
  const config: Config = deepFreeze({
    environment: e.ENVIRONMENT,
    network: resolveNetwork(e),
    allowedOrigins: e.ALLOWED_ORIGINS,
    rp: { id: e.RP_ID, origin: new URL(e.RP_ORIGIN).origin, name: e.RP_NAME },
    signerUrls: signerUrlsOf(e.SIGNER_URL, e.SIGNER_URLS),
    signerAuditChain: e.SIGNER_AUDIT_CHAIN,
    redis: { url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN },
    authSecret: e.AUTH_SECRET,
    llm: { apiKey: e.OPENAI_API_KEY || undefined, baseUrl: e.OPENAI_BASE_URL, model: e.PRIMARY_MODEL },
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    attestation: {
      mode: e.ATTESTATION_MODE,
      pccsUrl: e.PCCS_URL,
      allowedTcbStatuses: e.SIGNER_TCB_STATUSES,
      deniedAdvisoryIds: e.SIGNER_DENIED_ADVISORIES,
      pins: e.SIGNER_MEASUREMENTS ?? NO_PINS,
    },
    limits: {
      money: e.RATE_LIMIT_MONEY,
      chatMinute: e.RATE_LIMIT_CHAT_MINUTE,
      chatHour: e.RATE_LIMIT_CHAT_HOUR,
      chatAnon: e.RATE_LIMIT_CHAT_ANON,
      auth: e.RATE_LIMIT_AUTH,
      recovery: e.RATE_LIMIT_RECOVERY,
      health: e.RATE_LIMIT_HEALTH,
      read: e.RATE_LIMIT_READ,
    },
  })
  cache.set(env, config)
  return config
}

function signerUrlsOf(one: string | undefined, many: string[] | undefined): readonly [string, ...string[]] {
  const [first, ...rest] = many ?? (one === undefined ? [] : [one])
  // superRefine guarantees one of the two; reaching this is a bug, and it fails closed.
  if (first === undefined) throw new AppError('ERR_CONFIG', 'configuration error: no signer URL')
  return [first, ...rest]
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}
