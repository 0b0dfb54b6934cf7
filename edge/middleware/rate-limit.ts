/**
 * Rate limits on Upstash Redis (sliding windows, atomic Lua on the server, so concurrent bursts cannot
 * overshoot). Keyed by user id when signed in, else by CF-Connecting-IP. Limiters are built once per
 * isolate and reused. If Redis cannot answer, routes that move money or keys fail closed (503); read-only
 * routes continue and the miss is logged.
 */
import { Ratelimit } from '@upstash/ratelimit'
import { Redis } from '@upstash/redis/cloudflare'
import { createMiddleware } from 'hono/factory'
import { AppError } from '../../shared/errors.ts'
import type { Config, Limit } from '../config.ts'
import { log } from '../errors.ts'
import type { AppEnv } from '../types.ts'

export type LimitName = keyof Config['limits']

/**
 * @upstash/ratelimit's own timeout lets requests through; ours decides per route instead. An unreachable
 * Redis fails at once (connection refused); this bounds a slow one. Generous, because a request that times
 * out here may still have taken its slot in Redis: refusing it then costs the user quota under overload.
 */
const REDIS_TIMEOUT_MS = 3_000

const limiters = new Map<string, Ratelimit>()

function limiterFor(config: Config, name: LimitName, limit: Limit): Ratelimit {
  const key = `${config.redis.url}|${name}|${limit.limit}|${limit.window}`
  let rl = limiters.get(key)
  if (!rl) {
    rl = new Ratelimit({
      redis: new Redis({
        url: config.redis.url,
        token: config.redis.token,
        retry: false,
        enableTelemetry: false,
      }),
      limiter: Ratelimit.slidingWindow(limit.limit, limit.window),
      prefix: `tuxedo:rl:${name}`,
      // No in-isolate cache of blocked ids: the edge keeps no state between requests.
      ephemeralCache: false,
      timeout: 0,
      analytics: false,
    })
    limiters.set(key, rl)
  }
  return rl
}

export type LimitOutcome =
  | { readonly kind: 'allowed'; readonly limit: number; readonly remaining: number; readonly reset: number }
  | { readonly kind: 'blocked'; readonly limit: number; readonly remaining: number; readonly reset: number }
  | { readonly kind: 'unavailable' }

/** One check against one limit for one identity; never throws. */
export async function checkLimit(config: Config, name: LimitName, identity: string): Promise<LimitOutcome> {
  const limit = config.limits[name]
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), REDIS_TIMEOUT_MS)
  })
  try {
    const r = await Promise.race([limiterFor(config, name, limit).limit(identity), timedOut])
    if (r === 'timeout') return { kind: 'unavailable' }
    return { kind: r.success ? 'allowed' : 'blocked', limit: r.limit, remaining: r.remaining, reset: r.reset }
  } catch {
    return { kind: 'unavailable' }
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

export function identityOf(c: {
  var: AppEnv['Variables']
  req: { header(name: string): string | undefined }
}): string {
  if (c.var.caller) return `user:${c.var.caller.userId}`
  return `ip:${c.req.header('cf-connecting-ip') ?? 'unknown'}`
}

/**
 * Applies each named limit in turn (chat uses a minute and an hour window). `failClosed` for anything
 * that moves money or keys.
 */
export const rateLimit = (names: readonly LimitName[], opts: { failClosed: boolean }) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const identity = identityOf(c)
    let tightest: Extract<LimitOutcome, { kind: 'allowed' }> | undefined
    for (const name of names) {
      const r = await checkLimit(c.var.config, name, identity)
      if (r.kind === 'unavailable') {
        if (opts.failClosed)
          throw new AppError('ERR_RATE_LIMIT_UNAVAILABLE', 'temporarily unavailable, try again shortly')
        log('warn', c, 'ERR_RATE_LIMIT_UNAVAILABLE', `rate limit store unreachable for ${name}; read allowed`)
        continue
      }
      const seconds = Math.max(0, Math.ceil((r.reset - Date.now()) / 1000))
      if (r.kind === 'blocked') {
        c.header('Retry-After', String(Math.max(1, seconds)))
        c.header('X-RateLimit-Limit', String(r.limit))
        c.header('X-RateLimit-Remaining', '0')
        c.header('X-RateLimit-Reset', String(Math.ceil(r.reset / 1000)))
        throw new AppError('ERR_RATE_LIMITED', `too many requests, retry in ${Math.max(1, seconds)} s`)
      }
      if (!tightest || r.remaining < tightest.remaining) tightest = r
    }
    if (tightest) {
      c.header('X-RateLimit-Limit', String(tightest.limit))
      c.header('X-RateLimit-Remaining', String(tightest.remaining))
      c.header('X-RateLimit-Reset', String(Math.ceil(tightest.reset / 1000)))
    }
    await next()
  })
