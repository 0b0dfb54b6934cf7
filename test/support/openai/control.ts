/**
 * A loopback control channel for the scripted model, so tests running inside workerd (which cannot call
 * into the Node process) can queue turns and read what the model was sent:
 *   POST /script   { key?, steps: Turn[] }     queue turns for `[script:KEY]` conversations; a step
 *                                              `{ "fail": true }` answers that one request with a 500
 *                                              (a failure scoped to one conversation, unlike /fail);
 *                                              `{ "demo": true }` answers by the DeFi demo rules
 *                                              (defi-demo.ts) from what that request contains
 *   POST /fail     { count, status? }          fail the next completion requests
 *   POST /delay    { ms }                      delay each streamed chunk
 *   GET  /requests?key=KEY                     the request bodies received for that conversation
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { defiDemoTurn } from './defi-demo.ts'
import { conversationKey, type Turn } from './script.ts'
import type { ScriptedModel } from './server.ts'

export type ModelControl = { readonly url: string; close(): Promise<void> }

export async function startModelControl(model: ScriptedModel): Promise<ModelControl> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
      : {}
    if (req.method === 'POST' && url.pathname === '/script') {
      const steps = (body.steps as (Turn | { fail: true } | { demo: true })[]).map((s) =>
        'fail' in s
          ? () => {
              throw new Error('scripted failure')
            }
          : 'demo' in s
            ? (r: Parameters<typeof defiDemoTurn>[0]) => defiDemoTurn(r) ?? { text: 'demo: no rule matched' }
            : s,
      )
      if (typeof body.key === 'string') model.script(body.key, steps)
      else model.script(steps)
      return send(200, { ok: true })
    }
    if (req.method === 'POST' && url.pathname === '/fail') {
      model.failNext(Number(body.count), (body.status as 429 | 500 | 503 | undefined) ?? 500)
      return send(200, { ok: true })
    }
    if (req.method === 'POST' && url.pathname === '/delay') {
      model.setChunkDelayMs(Number(body.ms))
      return send(200, { ok: true })
    }
    if (req.method === 'GET' && url.pathname === '/requests') {
      const key = url.searchParams.get('key')
      return send(200, { requests: model.requests.filter((r) => conversationKey(r) === key) })
    }
    send(404, { error: 'unknown control route' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
