/**
 * The edge in workerd against the real signer, through a SIGNER binding that tampers with its answers:
 * whatever the signer says is discarded unless the attested key signed exactly this response for exactly
 * this request. Each case uses its own spelling of the signer URL (the trust cache is keyed by it), so a
 * dropped trust here cannot leak into other tests in the same isolate.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { json, signedInUser, testApp } from './support/app.ts'

const REAL = String(Reflect.get(env, 'SIGNER_URL'))
let n = 0
/** Same signer, a distinct trust-cache key: https://localhost:PORT, with a distinct path prefix each time. */
const urlForCase = () => `${REAL.replace('127.0.0.1', 'localhost')}/t${++n}`

/** A Fetcher that forwards to the real mTLS binding (undoing the per-case prefix) and lets a test rewrite answers. */
function tamper(rewrite: (res: Response, req: Request, seen: Response[]) => Promise<Response>): Fetcher {
  const seen: Response[] = []
  return {
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init)
      const url = new URL(req.url)
      url.pathname = url.pathname.replace(/^\/t[0-9]+/, '')
      url.hostname = '127.0.0.1'
      const res = await env.SIGNER.fetch(new Request(url, req))
      const kept = res.clone()
      const out = await rewrite(res, req, seen)
      seen.push(kept)
      return out
    },
    connect: () => {
      throw new Error('not used')
    },
  } as unknown as Fetcher
}

const isRpc = (req: Request) => new URL(req.url).pathname.includes('/v1/accounts.')

describe('a signer whose answers do not verify is not believed', () => {
  it('control: the untouched path works through the same wrapper', async () => {
    const call = testApp({ env: { SIGNER_URL: urlForCase() }, signer: tamper(async (res) => res) })
    const user = await signedInUser()
    const res = await call('/api/accounts', { headers: user.auth })
    expect(res.status).toBe(200)
  })

  it('a changed body → 503 ERR_SIGNER_UNTRUSTED, and /health says why', async () => {
    const url = urlForCase()
    const call = testApp({
      env: { SIGNER_URL: url },
      signer: tamper(async (res, req) => {
        if (!isRpc(req)) return res
        const body = (await res.text()).replace('"accounts":[]', '"accounts":[ ]')
        const headers = new Headers(res.headers)
        headers.delete('content-length')
        return new Response(body, { status: res.status, headers })
      }),
    })
    const user = await signedInUser()
    const res = await call('/api/accounts', { headers: user.auth })
    expect(res.status).toBe(503)
    expect((await json(res)).code).toBe('ERR_SIGNER_UNTRUSTED')
    type Health = { status: string; signer: { trusted: boolean; attestation?: { reason?: string } } }
    // Signed in: why. Anonymous: only that it is not trusted.
    const mine = await json<Health>(await call('/health', { headers: user.auth }))
    expect(mine.signer.trusted).toBe(false)
    expect(String(mine.signer.attestation?.reason ?? '')).toMatch(/signature|response/)
    const anon = await json<Health>(await call('/health'))
    expect(anon).toMatchObject({ status: 'degraded', signer: { trusted: false } })
    expect(Object.keys(anon.signer)).toEqual(['trusted'])
    // What does not need the signer keeps working.
    expect((await call('/openapi.json')).status).toBe(200)
  })

  it('a signature stripped from the answer → 503', async () => {
    const call = testApp({
      env: { SIGNER_URL: urlForCase() },
      signer: tamper(async (res, req) => {
        if (!isRpc(req)) return res
        const headers = new Headers(res.headers)
        headers.delete('x-signer-signature')
        return new Response(res.body, { status: res.status, headers })
      }),
    })
    const user = await signedInUser()
    const res = await call('/api/accounts', { headers: user.auth })
    expect(res.status).toBe(503)
    expect((await json(res)).code).toBe('ERR_SIGNER_UNTRUSTED')
  })

  it("a genuine answer replayed for another request id → 503 (no replay of one user's answer to another)", async () => {
    const call = testApp({
      env: { SIGNER_URL: urlForCase() },
      signer: tamper(async (res, req, seen) => {
        // Answer the second accounts call with the first one's genuine, signed response.
        const earlier = seen.filter((r) => r.headers.get('x-signer-signature')).at(-1)
        if (isRpc(req) && earlier && req.headers.get('x-request-id') && seen.length >= 2)
          return earlier.clone()
        return res
      }),
    })
    const a = await signedInUser()
    const b = await signedInUser()
    expect((await call('/api/accounts', { headers: a.auth })).status).toBe(200)
    const replayed = await call('/api/accounts', { headers: b.auth })
    expect(replayed.status).toBe(503)
    expect((await json(replayed)).code).toBe('ERR_SIGNER_UNTRUSTED')
  })

  it('staging never accepts an insecure-dev signer: nothing is sent, 503', async () => {
    let rpcs = 0
    const call = testApp({
      env: { ENVIRONMENT: 'staging', ALLOWED_ORIGINS: 'https://app.example', SIGNER_URL: urlForCase() },
      signer: tamper(async (res, req) => {
        if (isRpc(req)) rpcs++
        return res
      }),
    })
    const user = await signedInUser()
    const res = await call('/api/accounts', { headers: user.auth })
    expect(res.status).toBe(503)
    expect((await json(res)).code).toBe('ERR_SIGNER_UNTRUSTED')
    expect(rpcs).toBe(0)
  })
})
