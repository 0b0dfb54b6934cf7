/**
 * mountLazy: a route group is imported on the first request that reaches it, never at start or for other
 * paths; its handlers see the outer middleware's variables; its errors and unknown paths get the app's
 * structured answers; a failed import is retried rather than cached. Groups are real Hono apps, loaded
 * through a counting loader (the same shape as `() => import(...)`).
 */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { onError } from '../../edge/errors.ts'
import { mountLazy } from '../../edge/lib/lazy-routes.ts'
import { requestId } from '../../edge/middleware/request-id.ts'
import type { AppEnv } from '../../edge/types.ts'
import { AppError } from '../../shared/errors.ts'

function appWith(load: () => Promise<Hono<AppEnv>>) {
  const app = new Hono<AppEnv>()
  app.use('*', requestId())
  app.use('*', async (c, next) => {
    c.set('now', () => 42)
    c.set('caller', { userId: 'user_1', sessionId: 's', reauthAt: null, createdAt: 0 })
    await next()
    c.header('x-outer', 'yes')
  })
  app.onError(onError)
  mountLazy(app, '/api/things', load)
  app.get('/other', (c) => c.text('other'))
  app.notFound((c) => c.text('outer 404', 404))
  return app
}

const group = () =>
  new Hono<AppEnv>()
    .get('/', (c) => c.json({ user: c.var.caller?.userId, now: c.var.now(), requestId: c.var.requestId }))
    .get('/boom', () => {
      throw new AppError('ERR_NOT_FOUND', 'no such thing')
    })
    .post('/:id', async (c) => c.json({ id: c.req.param('id'), body: await c.req.json() }))

describe('mountLazy', () => {
  it('imports the group once, on its first request, and never for other paths', async () => {
    let loads = 0
    const app = appWith(async () => {
      loads++
      return group()
    })
    expect((await app.request('/other')).status).toBe(200)
    expect((await app.request('/nowhere')).status).toBe(404)
    expect(loads).toBe(0)
    await Promise.all([app.request('/api/things'), app.request('/api/things')])
    await app.request('/api/things/boom')
    expect(loads).toBe(1)
  })

  type Row = [string, string, RequestInit | undefined, number, (body: unknown, res: Response) => void]
  const rows: Row[] = [
    [
      'handlers see the outer variables',
      '/api/things',
      { headers: { 'x-request-id': 'req-abcdefgh' } },
      200,
      (b) => expect(b).toEqual({ user: 'user_1', now: 42, requestId: 'req-abcdefgh' }),
    ],
    [
      'the outer middleware still wraps the answer',
      '/api/things',
      undefined,
      200,
      (_b, r) => expect(r.headers.get('x-outer')).toBe('yes'),
    ],
    [
      'params and bodies reach the group',
      '/api/things/t1',
      { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } },
      200,
      (b) => expect(b).toEqual({ id: 't1', body: { a: 1 } }),
    ],
    [
      'an error inside the group is the structured error',
      '/api/things/boom',
      { headers: { 'x-request-id': 'req-boomboom' } },
      404,
      (b) =>
        expect(b).toEqual({ code: 'ERR_NOT_FOUND', message: 'no such thing', requestId: 'req-boomboom' }),
    ],
    [
      'an unknown path inside the group is the structured 404',
      '/api/things/a/b/c',
      undefined,
      404,
      (b) => expect(b).toMatchObject({ code: 'ERR_NOT_FOUND', message: 'no such route' }),
    ],
  ]
  it.each(rows)('%s', async (_name, path, init, status, check) => {
    const res = await appWith(async () => group()).request(path, init)
    expect(res.status).toBe(status)
    check(await res.json(), res)
  })

  it('retries a failed import on the next request instead of caching the failure', async () => {
    let attempt = 0
    const app = appWith(async () => {
      attempt++
      if (attempt === 1) throw new Error('module failed to load')
      return group()
    })
    expect((await app.request('/api/things')).status).toBe(500)
    expect((await app.request('/api/things')).status).toBe(200)
    expect(attempt).toBe(2)
  })
})
