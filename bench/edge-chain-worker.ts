/**
 * Benchmark worker: the same isolate serves three paths so their latencies compare like for like.
 *   POST /chain  — the real base middleware + rate limit (Redis) + requireUser (D1 session) + zod validation
 *   POST /bare   — a bare Hono route doing the same JSON echo
 *   POST /redis  — one rate-limit check and nothing else (the Redis round trip the chain cannot avoid)
 *   POST /d1     — one indexed D1 SELECT, the shape of the session lookup
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { withBaseMiddleware } from '../edge/app.ts'
import { loadConfig } from '../edge/config.ts'
import type { Env } from '../edge/env.ts'
import { checkLimit, rateLimit } from '../edge/middleware/rate-limit.ts'
import { requireUser } from '../edge/middleware/session.ts'
import type { AppEnv } from '../edge/types.ts'
import { validate } from '../edge/validation.ts'

const Body = z.object({ n: z.number().int() }).strict()

const chain = withBaseMiddleware(new Hono<AppEnv>(), { now: Date.now }).post(
  '/chain',
  rateLimit(['read'], { failClosed: true }),
  requireUser(),
  validate('json', Body),
  (c) => c.json({ ok: true, n: c.req.valid('json').n }),
)

const bare = new Hono().post('/bare', async (c) =>
  c.json({ ok: true, n: ((await c.req.json()) as { n: number }).n }),
)

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname
    if (path === '/bare') return bare.fetch(request, env, ctx)
    if (path === '/redis') {
      // Read the body like the other paths do: an unread body stalls the keep-alive connection.
      await request.text()
      const r = await checkLimit(loadConfig(env), 'read', 'bench:redis')
      return Response.json({ kind: r.kind })
    }
    if (path === '/d1') {
      await request.text()
      // The session lookup's query shape: one indexed SELECT by token hash.
      const row = await env.DB.prepare('SELECT id FROM sessions WHERE token_hash = ?')
        .bind('0'.repeat(64))
        .first()
      return Response.json({ found: row !== null })
    }
    return chain.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
