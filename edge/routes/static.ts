/**
 * The web client, served from Workers Static Assets (edge/public, binding ASSETS). wrangler.toml sets
 * `run_worker_first = true`, so every request passes the Worker's middleware first: the page and its
 * assets get the same strict CSP, framing ban and nosniff as the API, which is what stops clickjacking of
 * the Approve button. `/` is the app; `/assets/*` are content-hashed files, cached for a year.
 *
 * For a caller the session middleware found signed in, `/` also names the signed-in app's chunks as
 * modulepreload, so a cold load fetches them alongside the session answer instead of after it (one round
 * trip saved). The page reveals nothing by this (the chunk names are in every page's meta tag, the chunks
 * are public) and trusts nothing: /auth/session still decides what is shown.
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

/** What build-web writes into the app-chunks meta tag: hashed asset paths, nothing else goes into markup. */
const CHUNK_HREF = /^\/assets\/[A-Za-z0-9_.-]+\.js$/

/**
 * The page for a signed-in caller: after the `tuxedo-app-chunks` meta tag, one modulepreload per app chunk.
 * Threat: none beyond a wasted fetch if the session dies in between; it only decides what to prefetch.
 */
export function withAppPreloads(page: Response): Response {
  const rewritten = new HTMLRewriter()
    .on('meta[name="tuxedo-app-chunks"]', {
      element(meta) {
        const hrefs = (meta.getAttribute('content') ?? '').split(' ').filter((h) => CHUNK_HREF.test(h))
        meta.after(hrefs.map((h) => `<link rel="modulepreload" href="${h}" />`).join(''), { html: true })
      },
    })
    .transform(page)
  return new Response(rewritten.body, page)
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
    if (!res) return jsonError(c, 'ERR_NOT_FOUND', 'web client not built (npm run build:web)')
    // The page differs by session (the preloads above): no cache may hand one caller's variant to another.
    res.headers.set('Vary', 'Cookie')
    return c.var.caller ? withAppPreloads(res) : res
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
