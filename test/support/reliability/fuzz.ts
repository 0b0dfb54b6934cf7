/**
 * Generates malformed requests for every route of the edge, deterministically from a seed (a failing row
 * names its index, so it can be replayed). Families: odd methods, hostile paths (traversal, encodings,
 * invalid UTF-8, NUL, very long), broken and hostile JSON (truncated, deep nesting, huge numbers, prototype
 * keys, invalid UTF-8, BOM), wrong and huge content types, odd encodings, hostile headers (oversized,
 * many, bad auth, foreign origins, request-id injection) and hostile query strings.
 */
import type { Sent } from './http.ts'

/** Every route the edge mounts (edge/app.ts), with `:id` where a parameter goes. */
export const ROUTES: readonly (readonly [string, string])[] = [
  ['GET', '/health'],
  ['GET', '/openapi.json'],
  ['GET', '/'],
  ['GET', '/assets/:id'],
  ['POST', '/auth/passkey/register/options'],
  ['POST', '/auth/passkey/register/verify'],
  ['POST', '/auth/passkey/login/options'],
  ['POST', '/auth/passkey/login/verify'],
  ['POST', '/auth/logout'],
  ['POST', '/auth/logout-all'],
  ['GET', '/auth/session'],
  ['GET', '/auth/passkeys'],
  ['POST', '/auth/passkeys/options'],
  ['POST', '/auth/passkeys/verify'],
  ['DELETE', '/auth/passkeys/:id'],
  ['POST', '/auth/recovery/verify'],
  ['POST', '/auth/reauth/options'],
  ['POST', '/auth/reauth/verify'],
  ['GET', '/api/network'],
  ['GET', '/api/accounts'],
  ['POST', '/api/accounts'],
  ['POST', '/api/accounts/import'],
  ['GET', '/api/accounts/:id'],
  ['GET', '/api/accounts/:id/transactions'],
  ['GET', '/api/accounts/:id/payments'],
  ['POST', '/api/accounts/:id/fund'],
  ['POST', '/api/accounts/:id/export'],
  ['DELETE', '/api/accounts/:id'],
  ['GET', '/api/agent/accounts'],
  ['POST', '/api/agent/accounts'],
  ['POST', '/api/transactions/submit-signed'],
  ['GET', '/api/approvals'],
  ['GET', '/api/approvals/:id'],
  ['POST', '/api/approvals/:id/options'],
  ['POST', '/api/approvals/:id/approve'],
  ['POST', '/api/approvals/:id/reject'],
  ['GET', '/api/audit'],
  ['POST', '/chat'],
  ['GET', '/api/threads'],
  ['POST', '/api/threads'],
  ['GET', '/api/threads/:id'],
  ['PATCH', '/api/threads/:id'],
  ['DELETE', '/api/threads/:id'],
  ['GET', '/api/threads/:id/messages'],
]

/** mulberry32: small, fast, good enough to spread cases; deterministic per seed. */
export function rng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => {
    const x = xs[int(xs.length)]
    if (x === undefined) throw new Error('empty choice')
    return x
  }
  return { next, int, pick }
}
type Rng = ReturnType<typeof rng>

const INVALID_UTF8 = Uint8Array.from([
  0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe,
])

const IDS = [
  'acc_aaaaaaaaaaaaaaaaaaaaaa',
  `apr_${'x'.repeat(22)}`,
  `thr_${'y'.repeat(22)}`,
  '..',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '%00',
  '%ff%fe',
  '%',
  '%zz',
  "'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  'a'.repeat(3000),
  '%E2%80%AE',
  '\u202e',
  '0',
  '-1',
  'null',
  '__proto__',
  'constructor',
  'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7',
  'SCZANGBA5YHTNYVVV4C3U252E2B6P6F5T3U6MM63WBSBZATAQI3EBTQ4',
]

const hostilePath = (r: Rng, template: string): string => {
  const withId = template.replace(':id', encodeURI(r.pick(IDS)).replaceAll('%25', '%'))
  switch (r.int(9)) {
    case 0:
      return `${withId}/../../../../etc/passwd`
    case 1:
      return withId.replaceAll('/', '//')
    case 2:
      return `${withId}%00`
    case 3:
      return `${withId}/${'%ff'.repeat(r.int(50) + 1)}`
    case 4:
      return `/${'a/'.repeat(r.int(2000) + 1)}`
    case 5:
      return `${withId}/..%2f..%2f..%2fsigner`
    case 6:
      return withId.toUpperCase()
    case 7:
      return `${withId}/`
    default:
      return `/%2e%2e/%2e%2e${withId}`
  }
}

const hostileQuery = (r: Rng): string =>
  r.pick([
    '?limit=-1',
    '?limit=1e309',
    '?limit=NaN',
    '?limit=99999999999999999999',
    '?limit=1&limit=2',
    '?before=%ff',
    `?cursor=${'x'.repeat(8000)}`,
    '?__proto__[admin]=1',
    '?limit[]=1',
    '?%zz=1',
    '?a=1&'.repeat(500),
    '',
  ])

const deep = (n: number, open: string, close: string, inner = '1') => open.repeat(n) + inner + close.repeat(n)

function hostileJson(r: Rng): string | Uint8Array {
  switch (r.int(22)) {
    case 0:
      return '{"kind":"user"'
    case 1:
      return deep(r.pick([64, 1000, 20000]), '[', ']')
    case 2:
      return deep(r.pick([64, 1000, 10000]), '{"a":', '}')
    case 3:
      return '{"amount": 1e309, "limit": -0, "n": 123456789012345678901234567890}'
    case 4:
      return '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}'
    case 5:
      return Buffer.concat([Buffer.from('{"message":"'), INVALID_UTF8, Buffer.from('"}')])
    case 6:
      return `\uFEFF{"kind":"user"}`
    case 7:
      return 'null'
    case 8:
      return '[]'
    case 9:
      return `"${'x'.repeat(r.pick([100, 70_000]))}"`
    case 10:
      return JSON.stringify({ message: 'x'.repeat(r.pick([8001, 60_000])) })
    case 11:
      return JSON.stringify({ kind: 'admin', name: { $ne: null } })
    case 12:
      return JSON.stringify({ secret: 'SNOTAREALSEEDBUTLOOKSLIKEONE', name: 1 })
    case 13:
      return JSON.stringify({ xdr: 'AAAA'.repeat(r.int(2000) + 1) })
    case 14:
      return JSON.stringify({ email: `${'a'.repeat(300)}@x`, title: '\u0000\u202e\ud800' })
    case 15:
      return JSON.stringify({ threadId: '../../etc', message: 'hi', mode: 'root' })
    case 16:
      return '{"a":1,"a":2,"kind":"user","kind":"agent"}'
    case 17:
      return Buffer.from(Array.from({ length: r.int(4000) + 1 }, () => r.int(256)))
    case 18:
      return JSON.stringify({ challengeId: 'x', response: { id: 1, rawId: [], response: null, type: 'x' } })
    case 19:
      return '{"message": "\\ud800\\udc00\\uDEAD", "mode": "agent"}'
    case 20:
      return ''
    default:
      return '\u0000'.repeat(r.int(100) + 1)
  }
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  `application/json; ${'x=y; '.repeat(800)}`,
  'application/json\t;charset=utf-8',
  '*/*',
  'application/jsonp',
  '',
]

function hostileHeaders(r: Rng, base: Record<string, string>): Record<string, string> {
  const h = { ...base }
  switch (r.int(11)) {
    case 0:
      h['x-big'] = 'x'.repeat(r.pick([8_000, 30_000]))
      break
    case 1:
      for (let i = 0; i < 150; i++) h[`x-h${i}`] = String(i)
      break
    case 2:
      h.authorization = r.pick([
        'Bearer ',
        'Bearer a.b.c',
        'Basic YTpi',
        `Bearer ${'A'.repeat(5000)}`,
        'bearer x',
      ])
      break
    case 3:
      h.cookie = r.pick([
        'tuxedo_session=',
        'tuxedo_session=%ff',
        `tuxedo_session=${'z'.repeat(4000)}`,
        '=;=;',
      ])
      break
    case 4:
      h.origin = r.pick(['https://evil.example', 'null', 'http://localhost:1', 'http://127.0.0.1:8787.evil'])
      break
    case 5:
      h['x-request-id'] = r.pick(['"><script>', 'a'.repeat(500), 'req_ok_12345678', '../../x', ''])
      break
    case 6:
      h['content-encoding'] = r.pick(['gzip', 'br', 'deflate', 'x-unknown'])
      break
    case 7:
      h['accept-encoding'] = r.pick(['gzip', 'br', 'identity;q=0', '*'])
      break
    case 8:
      h['cf-connecting-ip'] = r.pick(['::1', 'not-an-ip', '999.999.999.999', '1.1.1.1, 2.2.2.2'])
      break
    case 9:
      h.host = r.pick(['evil.example', 'localhost:8787', ''])
      break
    default:
      h.accept = r.pick(['text/event-stream', 'application/xml', '*/*;q=0'])
  }
  return h
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND', 'FOO', 'CONNECTX']

/** Request `i` of a run seeded with `seed`; `auth` headers make roughly half of them signed in. */
export function fuzzRequest(seed: number, i: number, auth: Record<string, string>): Sent {
  const r = rng(seed * 1_000_003 + i)
  const [method0, template] = r.pick(ROUTES)
  const signedIn = r.next() < 0.5
  const base: Record<string, string> = signedIn ? { ...auth } : {}
  const family = i % 7
  let method = method0
  let path = template.replace(':id', r.pick(IDS.slice(0, 3)))
  let headers: Record<string, string> = base
  let body: string | Uint8Array | undefined
  const jsonBody = () => {
    body = hostileJson(r)
    headers['content-type'] = 'application/json'
  }
  switch (family) {
    case 0:
      method = r.pick(METHODS)
      if (method !== 'GET' && method !== 'HEAD' && r.next() < 0.5) jsonBody()
      break
    case 1:
      path = hostilePath(r, template)
      break
    case 2:
      jsonBody()
      break
    case 3:
      body = r.next() < 0.5 ? hostileJson(r) : 'a=1&b=2'
      headers['content-type'] = r.pick(CONTENT_TYPES)
      break
    case 4:
      headers = hostileHeaders(r, base)
      if (method !== 'GET') jsonBody()
      break
    case 5:
      path = `${path}${hostileQuery(r)}`
      break
    default:
      // A mix of two families at once.
      path = hostilePath(r, template) + hostileQuery(r)
      headers = hostileHeaders(r, base)
      if (method !== 'GET') jsonBody()
  }
  return { method, path, headers, ...(body !== undefined ? { body } : {}) }
}
