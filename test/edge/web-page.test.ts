/**
 * The page `/` names the signed-in app's chunks as modulepreload exactly when the request carries a live
 * session (edge/routes/static.ts): a signed-in cold load fetches them next to /auth/session instead of after
 * it. Signing in gives the page the preloads; signing out, an expired or unknown session takes them away.
 */
import { describe, expect, it } from 'vitest'
import { type Clock, testApp } from './support/app.ts'
import { login, post, register } from './support/auth-flows.ts'

const HOUR = 3_600_000
const call = testApp()

/** The app chunks the page lists in its meta tag, and the ones it preloads. */
async function page(res: Response) {
  expect(res.status).toBe(200)
  const html = await res.text()
  const listed = (/name="tuxedo-app-chunks" content="([^"]*)"/.exec(html)?.[1] ?? '').split(' ')
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1])
  return { listed, preloaded, appPreloaded: listed.filter((h) => preloaded.includes(h)) }
}

const cookieOf = (setCookie: string) => /tuxedo_session=([^;]*)/.exec(setCookie)?.[1] ?? ''

describe('GET / preloads the signed-in app only for a live session', () => {
  it('lists the app chunks (hashed asset paths) in every page', async () => {
    const { listed } = await page(await call('/'))
    expect(listed.length).toBeGreaterThan(0)
    for (const href of listed) expect(href).toMatch(/^\/assets\/chunk-[A-Z0-9]+\.js$/)
  })

  const signedOut: [string, Record<string, string>][] = [
    ['no cookie', {}],
    ['an unknown session cookie', { cookie: `tuxedo_session=${'B'.repeat(43)}` }],
    ['a malformed session cookie', { cookie: 'tuxedo_session=not a token!' }],
    ['an empty session cookie', { cookie: 'tuxedo_session=' }],
    ['a look-alike cookie name', { cookie: `tuxedo_sessionx=${'C'.repeat(43)}` }],
  ]
  it.each(signedOut)('with %s: no app preloads', async (_name, headers) => {
    const { appPreloaded } = await page(await call('/', { headers }))
    expect(appPreloaded).toEqual([])
  })

  it('after sign-up and after sign-in: every app chunk is preloaded; after sign-out: none', async () => {
    const r = await register(call)
    const signedUp = { cookie: `tuxedo_session=${cookieOf(r.setCookie)}` }
    const first = await page(await call('/', { headers: signedUp }))
    expect(first.appPreloaded).toEqual(first.listed)

    const res = await login(call, r.authenticator)
    expect(res.status).toBe(200)
    const signedIn = { cookie: `tuxedo_session=${cookieOf(res.headers.get('set-cookie') ?? '')}` }
    const again = await call('/', { headers: signedIn })
    expect(again.headers.get('vary')).toContain('Cookie')
    expect((await page(again)).appPreloaded).toEqual(first.listed)

    expect((await post(call, '/auth/logout', undefined, signedIn)).status).toBe(200)
    expect((await page(await call('/', { headers: signedIn }))).appPreloaded).toEqual([])
    // The other session (sign-up's) is still alive and still gets them.
    expect((await page(await call('/', { headers: signedUp }))).appPreloaded).toEqual(first.listed)
  })

  it('not for a session that expired (24 hours idle, injected clock)', async () => {
    const clock: Clock = { now: Date.now() }
    const timed = testApp({ clock })
    const r = await register(timed)
    const headers = { cookie: `tuxedo_session=${cookieOf(r.setCookie)}` }
    expect((await page(await timed('/', { headers }))).appPreloaded.length).toBeGreaterThan(0)
    clock.now += 25 * HOUR
    expect((await page(await timed('/', { headers }))).appPreloaded).toEqual([])
  })
})
