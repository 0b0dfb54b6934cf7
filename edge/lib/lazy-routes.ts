/**
 * Route groups loaded on first use. A Worker's global scope runs on every cold start, before the first
 * request, under a start-up CPU limit; a route group that imports stellar-sdk's XDR, the agent and dozens of
 * zod schemas should not make every cold start pay for it, nor a request that never reaches that group.
 *
 * `mountLazy(app, '/api/accounts', () => import('../routes/accounts.ts').then((m) => m.accounts))` matches
 * the group's paths at once (a cheap pattern), and on the first matching request imports the module and
 * builds the group inside its own Hono app; each request is then handed to it with the outer context's
 * variables (config, request id, caller, services) copied in, so handlers see exactly what they would have
 * seen mounted with `app.route`. Errors go through the same `onError`; an unmatched path inside the group
 * is the same structured 404. The outer middleware (request id, security headers, CORS, body limit, session)
 * has already run and still wraps the response.
 *
 * Threat stopped: none directly; it keeps start-up far from Cloudflare's limit, so a deploy cannot start
 * failing (every request an error) as the code base grows.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { jsonError, onError } from '../errors.ts'
import type { AppEnv } from '../types.ts'

type Group = Hono<AppEnv>
type Loader = () => Promise<Group>

/** The outer context of the request being handed to a lazily built group (same Request object). */
const outerOf = new WeakMap<Request, Context<AppEnv>>()

function executionCtxOf(c: Context<AppEnv>): ExecutionContextLike | undefined {
  try {
    return c.executionCtx
  } catch {
    return undefined // tests and benches may call app.fetch without one
  }
}
type ExecutionContextLike = Context<AppEnv>['executionCtx']

async function build(path: string, load: Loader): Promise<Group> {
  const group = await load()
  const inner = new Hono<AppEnv>()
  inner.use('*', async (c, next) => {
    const outer = outerOf.get(c.req.raw)
    const set = c.set as (key: string, value: unknown) => void
    if (outer) for (const [k, v] of Object.entries(outer.var)) set(k, v)
    await next()
  })
  inner.route(path, group)
  inner.onError(onError)
  inner.notFound((c) => jsonError(c, 'ERR_NOT_FOUND', 'no such route'))
  return inner
}

/** Mounts a route group at `path` (its own paths and everything below), imported on its first request. */
export function mountLazy(app: Hono<AppEnv>, path: string, load: Loader): void {
  let inner: Promise<Group> | undefined
  const handler: MiddlewareHandler<AppEnv> = async (c) => {
    inner ??= build(path, load).catch((e: unknown) => {
      inner = undefined // a failed import is retried by the next request, not cached
      throw e
    })
    const group = await inner
    outerOf.set(c.req.raw, c)
    return group.fetch(c.req.raw, c.env, executionCtxOf(c))
  }
  app.all(path, handler)
  app.all(`${path}/*`, handler)
}
