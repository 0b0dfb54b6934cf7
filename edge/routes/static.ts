/**
 * The web client, served from Workers Static Assets (edge/public, binding ASSETS). wrangler.toml sets
 * `run_worker_first = true`, so every request passes the Worker's middleware first: the page and its
 * assets get the same strict CSP, framing ban and nosniff as the API, which is what stops clickjacking of
 * the Approve button. `/` is the app; `/assets/*` are content-hashed files, cached for a year.
 */
import { Hono } from 'hono'
import { jsonError } from '../errors.ts'
import type { AppEnv } from '../types.ts'

type AssetsBinding = { fetch(input: Request | string, init?: RequestInit): Promise<Response> }

const assetsOf = (env: AppEnv['Bindings']): AssetsBinding | undefined => {
  const a: unknown = env.ASSETS
  return typeof a === 'object' && a !== null && typeof Reflect.get(a, 'fetch') === 'function'
    ? (a as AssetsBinding)
    : undefined
}

/** Copies the asset response so the security-headers middleware can set headers on it. */
async function fromAssets(
  env: AppEnv['Bindings'],
  url: URL,
  path: string,
  cache: string,
): Promise<Response | undefined> {
  const assets = assetsOf(env)
  if (!assets) return undefined
  const res = await assets.fetch(new Request(new URL(path, url.origin)))
  if (!res.ok) return undefined
  const out = new Response(res.body, res)
  out.headers.set('Cache-Control', cache)
  return out
}

/**
 * A passkey is bound to the RP ID. When that is `localhost` (the dev stack), a page opened as 127.0.0.1 or
 * [::1] could never sign anyone up ("invalid domain"): send the browser to the same place on localhost.
 */
export function loopbackRedirect(requestUrl: string, rpId: string): string | undefined {
  if (rpId !== 'localhost') return undefined
  const url = new URL(requestUrl)
  if (url.hostname !== '127.0.0.1' && url.hostname !== '[::1]') return undefined
  url.hostname = 'localhost'
  return url.toString()
}

export const web = new Hono<AppEnv>()
  .get('/', async (c) => {
    const to = loopbackRedirect(c.req.url, c.var.config.rp.id)
    if (to) return c.redirect(to, 307)
    const res = await fromAssets(c.env, new URL(c.req.url), '/', 'no-cache')
    return res ?? jsonError(c, 'ERR_NOT_FOUND', 'web client not built (npm run build:web)')
  })
  .get('/assets/:file{[A-Za-z0-9_.-]+}', async (c) => {
    const res = await fromAssets(
      c.env,
      new URL(c.req.url),
      `/assets/${c.req.param('file')}`,
      'public, max-age=31536000, immutable',
    )
    return res ?? jsonError(c, 'ERR_NOT_FOUND', 'no such asset')
  })
