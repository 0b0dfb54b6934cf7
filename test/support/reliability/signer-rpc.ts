/**
 * A direct mTLS client for the signer (the edge's certificate, the envelope of shared/schemas/signer-rpc.ts)
 * with a hard deadline per call, so a killed signer shows up as a failed call, never a hung one.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import type { Pki } from '../../../scripts/lib/certs.ts'
import { createProver } from '../../signer/proofs.ts'

export type Envelope = {
  readonly requestId: string
  readonly issuedAt: number
  readonly userId: string
  readonly params: unknown
}

export type RpcOutcome =
  | { readonly kind: 'answer'; readonly status: number; readonly text: string; readonly ms: number }
  | { readonly kind: 'failed'; readonly error: string; readonly ms: number }

export const envelope = (userId: string, params: unknown, requestId = `rel_${randomUUID()}`): Envelope => ({
  requestId,
  issuedAt: Date.now(),
  userId,
  params,
})

export function createSignerRpc(pki: Pki, port: () => number, timeoutMs = 10_000) {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 64,
    ca: readFileSync(pki.caCert, 'utf8'),
    cert: readFileSync(pki.clientCert, 'utf8'),
    key: readFileSync(pki.clientKey, 'utf8'),
  })
  const call = (method: string, env: Envelope): Promise<RpcOutcome> =>
    new Promise((resolve) => {
      const t0 = performance.now()
      let settled = false
      const finish = (o: RpcOutcome) => {
        if (settled) return
        settled = true
        clearTimeout(deadline)
        resolve(o)
      }
      const req = request(
        {
          host: '127.0.0.1',
          port: port(),
          path: `/v1/${method}`,
          method: 'POST',
          agent,
          servername: 'localhost',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (d: Buffer) => chunks.push(d))
          res.on('end', () =>
            finish({
              kind: 'answer',
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
              ms: performance.now() - t0,
            }),
          )
          res.on('error', (e) => finish({ kind: 'failed', error: e.message, ms: performance.now() - t0 }))
        },
      )
      const deadline = setTimeout(() => req.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs)
      req.on('error', (e) => finish({ kind: 'failed', error: e.message, ms: performance.now() - t0 }))
      req.end(JSON.stringify(env))
    })
  /** A call that must succeed; returns its `result`. */
  const ok = async <T>(method: string, env: Envelope): Promise<T> => {
    const o = await call(method, env)
    if (o.kind !== 'answer') throw new Error(`${method}: ${o.error}`)
    const body = JSON.parse(o.text) as { ok: boolean; result?: T; error?: unknown }
    if (!body.ok || body.result === undefined)
      throw new Error(`${method}: ${o.status} ${o.text.slice(0, 200)}`)
    return body.result
  }
  return { call, ok, close: () => agent.destroy() }
}

/**
 * User proofs over this client (test/signer/proofs.ts): enrol a user's passkey with the signer, then make
 * gated calls (export, import, approve) with a real assertion over a signer challenge.
 */
export function proverOver(
  rpc: ReturnType<typeof createSignerRpc>,
  origin = 'http://localhost:8787',
  rpId = 'localhost',
) {
  return createProver(
    async (method, params, e) => {
      const o = await rpc.call(method, envelope(e?.userId ?? '', params))
      if (o.kind !== 'answer') throw new Error(`${method}: ${o.error}`)
      return { status: o.status, body: JSON.parse(o.text) as { result?: unknown } }
    },
    origin,
    rpId,
  )
}
