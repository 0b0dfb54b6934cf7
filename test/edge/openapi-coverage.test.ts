/**
 * Every route the app serves has an OpenAPI doc (kept beside its route: edge/<area>/route-docs.ts or
 * edge/openapi.ts), and every doc names a route that exists: the document cannot silently drift from
 * `app.routes`. The web client's page and assets are not API and are listed as such.
 */
import { Hono } from 'hono'
import { beforeAll, describe, expect, it } from 'vitest'
import { createApp, ROUTE_GROUPS } from '../../edge/app.ts'
import { openApiPath, ROUTE_DOCS } from '../../edge/openapi.ts'
import { web } from '../../edge/routes/static.ts'
import type { AppEnv } from '../../edge/types.ts'

/** Served, but not part of the JSON API. */
const NOT_API = new Set(['GET /', 'GET /assets/{file}', 'GET /openapi.json'])

/**
 * createApp() mounts each route group lazily (edge/lib/lazy-routes.ts), so its own `routes` lists only the
 * mount patterns; the served table is every group loaded and mounted where createApp mounts it.
 */
let table: Hono<AppEnv>
beforeAll(async () => {
  table = new Hono<AppEnv>()
  for (const [path, load] of ROUTE_GROUPS) table.route(path, await load())
  table.route('/', web)
})

const served = () =>
  [
    ...new Set(
      table.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${openApiPath(r.path)}`),
    ),
  ].sort()

it('createApp mounts exactly the groups the table is built from', () => {
  const mounts = new Set(createApp().routes.map((r) => r.path.replace(/\/\*$/, '')))
  for (const [path] of ROUTE_GROUPS) expect(mounts.has(path)).toBe(true)
})

const documented = () => ROUTE_DOCS.map((d) => `${d.method.toUpperCase()} ${d.path}`).sort()

describe('OpenAPI docs cover app.routes', () => {
  it.each([
    ['/api/accounts/:id', '/api/accounts/{id}'],
    ['/assets/:file{[A-Za-z0-9_.-]+}', '/assets/{file}'],
    ['/api/accounts/', '/api/accounts'],
    ['/', '/'],
    ['/api/approvals/:id/approve', '/api/approvals/{id}/approve'],
  ])('path %s reads as %s', (hono, openapi) => {
    expect(openApiPath(hono)).toBe(openapi)
  })

  it('there are routes to check (the walk over app.routes is not empty)', () => {
    expect(served().length).toBeGreaterThan(30)
  })

  it('every served API route has a doc', () => {
    const docs = new Set(documented())
    expect(served().filter((r) => !NOT_API.has(r) && !docs.has(r))).toEqual([])
  })

  it('every doc names a served route, once', () => {
    const routes = new Set(served())
    expect(documented().filter((d) => !routes.has(d))).toEqual([])
    expect(new Set(documented()).size).toBe(documented().length)
  })
})
