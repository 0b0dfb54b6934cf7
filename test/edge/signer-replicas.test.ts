/**
 * The edge with several signer replicas (SIGNER_URLS), over workerd and real mTLS signer processes, each on
 * its own SQLite (test/support/signer-replicas/control.ts starts them; SIGNER_AUDIT_CHAIN=per-replica since
 * the databases are separate): a stopped or draining replica is failed over with the same requestId; a
 * rolled-back database (a restored copy of signer.sqlite) is refused with ERR_SIGNER_ROLLED_BACK; a head
 * forged, stripped or malformed on the way is refused and not retried elsewhere; answers arriving out of
 * order within the window are accepted.
 */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { forgetTrust } from '../../edge/attestation/trust.ts'
import { loadConfig } from '../../edge/config.ts'
import type { Env } from '../../edge/env.ts'
import { createSignerClient, type SignerClientOptions } from '../../edge/signer-client/client.ts'
import { markUp } from '../../edge/signer-client/replicas.ts'
import { AUDIT_HEAD_HEADER, parseAuditHead } from '../../shared/attestation.ts'
import { AppError } from '../../shared/errors.ts'
import { json, signedInUser, testApp } from './support/app.ts'

const CONTROL = String(Reflect.get(env, 'TEST_REPLICA_CONTROL_URL'))
const base = env as unknown as Env

async function control(path: string, name: string): Promise<string> {
  const res = await fetch(`${CONTROL}${path}`, { method: 'POST', body: JSON.stringify({ name }) })
  const body = (await res.json()) as { url?: string; error?: string }
  if (!res.ok) throw new Error(`control ${path} ${name}: ${body.error}`)
  return body.url ?? ''
}

type Seen = { url: string; requestId: string | null; status: number | 'failed'; head: string | null }

/** The real SIGNER binding, recording what went where and letting a test rewrite an answer. */
function recording(rewrite?: (res: Response, req: Request) => Promise<Response> | Response) {
  const seen: Seen[] = []
  const binding = {
    async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      const req = new Request(input, init)
      const entry: Seen = {
        url: new URL(req.url).origin,
        requestId: req.headers.get('x-request-id'),
        status: 'failed',
        head: null,
      }
      const rpc = req.method === 'POST'
      if (rpc) seen.push(entry)
      const res = await base.SIGNER.fetch(req)
      entry.status = res.status
      entry.head = res.headers.get(AUDIT_HEAD_HEADER)
      return rpc && rewrite ? rewrite(res, req) : res
    },
  }
  return { seen, binding: binding as unknown as Fetcher }
}

function client(urls: string[], binding: Fetcher, opts: SignerClientOptions = {}) {
  const e = {
    ...base,
    SIGNER: binding,
    SIGNER_URL: '',
    SIGNER_URLS: urls.join(','),
    SIGNER_AUDIT_CHAIN: 'per-replica',
  } as unknown as Env
  return createSignerClient(e, loadConfig(e as unknown as Record<string, unknown>), opts)
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (e) {
    return e instanceof AppError ? e.code : String(e)
  }
}

const highestIn = async (chain: string) =>
  (
    await base.DB.prepare('SELECT MAX(seq) AS s FROM signer_audit_heads WHERE chain = ?')
      .bind(chain)
      .first<{ s: number | null }>()
  )?.s ?? null

let r1 = ''
let r2 = ''
beforeAll(async () => {
  ;[r1, r2] = await Promise.all([control('/start', 'fo-1'), control('/start', 'fo-2')])
}, 60_000)

describe('failover', () => {
  it('sends a call to replica 2 with the same requestId when replica 1 is stopped', async () => {
    const { seen, binding } = recording()
    const sign = client([r1, r2], binding)
    await sign('accounts.list', 'user_fo', {})
    expect(seen.map((s) => s.url)).toEqual([r1])
    await control('/stop', 'fo-1')
    try {
      const t0 = performance.now()
      const created = await sign(
        'accounts.create',
        'user_fo',
        { kind: 'agent' },
        { requestId: 'req_failover_0001' },
      )
      const ms = performance.now() - t0
      console.log(JSON.stringify({ failoverMs: Math.round(ms) }))
      expect(created.accountId).toMatch(/^acc_/)
      // Replica 1 was asked and failed on connection; replica 2 got the very same request id.
      expect(seen.slice(1)).toEqual([
        { url: r1, requestId: 'req_failover_0001', status: 'failed', head: null },
        { url: r2, requestId: 'req_failover_0001', status: 200, head: expect.stringMatching(/^[0-9]+:/) },
      ])
      // Replica 1 is marked down: the next call goes straight to replica 2, which has the account.
      const listed = await sign('accounts.list', 'user_fo', {})
      expect(listed.accounts.map((a) => a.accountId)).toEqual([created.accountId])
      expect(seen.slice(3).map((s) => s.url)).toEqual([r2])
    } finally {
      await control('/start', 'fo-1')
    }
  }, 60_000)

  it('sends a call to replica 2 when replica 1 answers 503 (draining)', async () => {
    const { seen, binding } = recording((res, req) =>
      new URL(req.url).origin === r1
        ? Response.json(
            { ok: false, error: { code: 'ERR_SIGNER_UNAVAILABLE', message: 'draining' } },
            { status: 503 },
          )
        : res,
    )
    // The previous test left replica 1 marked down in this isolate: it is back.
    markUp(r1)
    const sign = client([r1, r2], binding)
    const created = await sign(
      'accounts.create',
      'user_drain',
      { kind: 'agent' },
      { requestId: 'req_drain_00001' },
    )
    expect(created.accountId).toMatch(/^acc_/)
    expect(seen.map((s) => [s.url, s.requestId])).toEqual([
      [r1, 'req_drain_00001'],
      [r2, 'req_drain_00001'],
    ])
  }, 60_000)
})

describe('a rolled-back signer database', () => {
  const rollBack = async (name: string, window: number | undefined, after: number) => {
    const url = await control('/start', name)
    const { seen, binding } = recording()
    const opts = window === undefined ? {} : { headWindow: window }
    let sign = client([url], binding, opts)
    for (let i = 0; i < 2; i++) await sign('accounts.create', `user_${name}`, { kind: 'agent' })
    // The copy: stop the replica, copy signer.sqlite and its WAL aside, start it again.
    await control('/snapshot', name)
    for (let i = 0; i < after; i++) await sign('accounts.create', `user_${name}`, { kind: 'agent' })
    const highest = await highestIn(url)
    expect(highest).toBe(parseAuditHead(seen.at(-1)?.head ?? '')?.seq)
    // The copy put back: the replica restarts on the older database (a new process, so a new key too).
    await control('/restore', name)
    sign = client([url], binding, opts)
    const code = await codeOf(sign('accounts.create', `user_${name}`, { kind: 'agent' }))
    const refusedHead = parseAuditHead(seen.at(-1)?.head ?? '')
    return { url, code, highest, refusedHead }
  }

  it('refuses the replica whose next head reuses a seq it had already shown (fork)', async () => {
    const { url, code, highest, refusedHead } = await rollBack('rb-fork', undefined, 3)
    expect(code).toBe('ERR_SIGNER_ROLLED_BACK')
    expect(refusedHead?.seq).toBe((highest ?? 0) - 2)
    // Nothing of the rolled-back chain was recorded, and the replica is untrusted in this isolate now.
    expect(await highestIn(url)).toBe(highest)
    const { binding } = recording()
    expect(await codeOf(client([url], binding)('accounts.list', 'user_rb-fork', {}))).toBe(
      'ERR_SIGNER_UNTRUSTED',
    )
    // The signer committed each refused call: its chain climbs past the highest head seen. The fork is
    // remembered in D1, so it is refused still, even by an isolate that trusts the replica afresh.
    for (let i = 0; i < 4; i++) {
      forgetTrust(url)
      expect(await codeOf(client([url], binding)('accounts.create', 'user_rb-fork', { kind: 'agent' }))).toBe(
        'ERR_SIGNER_ROLLED_BACK',
      )
    }
    const fork = await base.DB.prepare('SELECT seq FROM signer_audit_forks WHERE chain = ?')
      .bind(url)
      .first<{ seq: number }>()
    expect(fork?.seq).toBe(refusedHead?.seq)
  }, 90_000)

  it('refuses a head more than the window below the highest', async () => {
    // Window 2: the heads at the rolled-back seqs are pruned, so the refusal is "behind", not "fork".
    const { code, highest, refusedHead } = await rollBack('rb-behind', 2, 5)
    expect(code).toBe('ERR_SIGNER_ROLLED_BACK')
    expect((highest ?? 0) - (refusedHead?.seq ?? 0)).toBeGreaterThan(2)
  }, 90_000)
})

describe('heads on the way', () => {
  it('accepts answers that arrive out of order within the window, and refuses them with a window of 0', async () => {
    for (const window of [undefined, 0]) {
      let releaseFirst: () => void = () => {}
      const held = new Promise<void>((r) => {
        releaseFirst = r
      })
      let firstCommitted: () => void = () => {}
      const committed = new Promise<void>((r) => {
        firstCommitted = r
      })
      // Holds the first answer that arrives once armed (the first create's), after the signer committed it.
      let armed = false
      const { seen, binding } = recording(async (res) => {
        if (!armed) return res
        armed = false
        firstCommitted()
        await held
        return res
      })
      const sign = client([r2], binding, window === undefined ? {} : { headWindow: window })
      await sign('accounts.list', 'user_ooo', {})
      armed = true
      const first = codeOf(sign('accounts.create', 'user_ooo', { kind: 'agent' }))
      await committed
      // The second call commits after the first and is answered (and recorded) before it.
      expect(await codeOf(sign('accounts.create', 'user_ooo', { kind: 'agent' }))).toBe('resolved')
      releaseFirst()
      const [a, b] = seen.slice(-2).map((s) => parseAuditHead(s.head ?? '')?.seq ?? 0)
      expect(a).toBeLessThan(b ?? 0)
      expect(await first).toBe(window === undefined ? 'resolved' : 'ERR_SIGNER_ROLLED_BACK')
    }
  }, 60_000)

  type Row = [string, (h: string) => string | null]
  const rows: Row[] = [
    ['stripped', () => null],
    [
      'raised by one (a rolled-back signer claiming a later head)',
      (h) => h.replace(/^[0-9]+/, (s) => String(Number(s) + 1)),
    ],
    ['another hash', (h) => h.replace(/:[0-9a-f]/, (s) => (s === ':0' ? ':1' : ':0'))],
    ['malformed', (h) => `0${h}`],
  ]
  it.each(rows)(
    'refuses a head %s, without asking the other replica',
    async (_name, edit) => {
      const { seen, binding } = recording((res) => {
        const headers = new Headers(res.headers)
        const h = edit(headers.get(AUDIT_HEAD_HEADER) ?? '')
        if (h === null) headers.delete(AUDIT_HEAD_HEADER)
        else headers.set(AUDIT_HEAD_HEADER, h)
        return new Response(res.body, { status: res.status, headers })
      })
      // A fresh replica per row: the refusal drops that replica's trust in this isolate.
      const url = await control('/start', `fg-${rows.findIndex((r) => r[0] === _name)}`)
      const sign = client([url, r2], binding)
      expect(await codeOf(sign('accounts.create', 'user_forged', { kind: 'agent' }))).toBe(
        'ERR_SIGNER_UNTRUSTED',
      )
      expect(seen.map((s) => s.url)).toEqual([url])
      await control('/stop', `fg-${rows.findIndex((r) => r[0] === _name)}`)
    },
    60_000,
  )
})

describe('GET /health with several replicas', () => {
  it('is ok while one replica serves, and shows a signed-in caller each replica by position', async () => {
    const user = await signedInUser()
    // A replica of its own: the out-of-order test above refuses a head of r2 with a window of 0, which drops
    // r2's trust in this isolate for a while (how long depends on how fast the tests in between ran).
    const fresh = await control('/start', 'health-1')
    const app = testApp({
      env: { SIGNER_URL: '', SIGNER_URLS: `${fresh},https://127.0.0.1:9`, SIGNER_AUDIT_CHAIN: 'per-replica' },
    })
    const anon = await json<{ status: string; signer: unknown }>(await app('/health'))
    expect(anon).toMatchObject({ status: 'ok', signer: { trusted: true } })
    expect(JSON.stringify(anon)).not.toContain('127.0.0.1')
    const body = await json<{ status: string; signer: Record<string, unknown> }>(
      await app('/health', { headers: user.auth }),
    )
    expect(body.signer.replicas).toEqual([
      { reachable: true, trusted: true },
      { reachable: false, trusted: false },
    ])
    const none = testApp({ env: { SIGNER_URL: '', SIGNER_URLS: 'https://127.0.0.1:9,https://127.0.0.1:10' } })
    expect((await json<{ status: string }>(await none('/health'))).status).toBe('degraded')
    await control('/stop', 'health-1')
  }, 60_000)
})
