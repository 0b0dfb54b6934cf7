/**
 * An OpenAI-compatible chat completions server that plays scripted turns — JSON or SSE, tool-call argument
 * deltas split across chunks, optional bearer check, latency and injected 500/429s — so the agent loop is
 * tested against the wire protocol the `openai` client really parses, with no network and no API key.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ChatRequest, chunks, completion, conversationKey, type Step, type Turn } from './script.ts'

export type ScriptedModelOptions = {
  readonly port?: number
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  readonly apiKey?: string
  /** Delay before each streamed chunk (and before a JSON answer). */
  readonly chunkDelayMs?: number
  /** What to answer when nothing is scripted for a conversation; the default says so in plain text. */
  readonly fallback?: (request: ChatRequest, key: string | undefined) => Turn
}

export type ScriptedModel = {
  /** Base URL for `new OpenAI({ baseURL })`, ending in `/v1`. */
  readonly url: string
  /** Every request body received, in order. */
  readonly requests: ChatRequest[]
  /** Queues turns for a conversation key (`[script:KEY]` in the first user message), or the default queue. */
  script(keyOrSteps: string | readonly Step[], steps?: readonly Step[]): void
  /** The next `count` completion requests fail with this status, in OpenAI's error shape. */
  failNext(count: number, status?: 429 | 500 | 503): void
  setChunkDelayMs(ms: number): void
  reset(): void
  close(): Promise<void>
}

const DEFAULT_KEY = '\u0000default'

function errorBody(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } }
}

export async function startScriptedModel(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const queues = new Map<string, Step[]>()
  const requests: ChatRequest[] = []
  const failures: number[] = []
  let delay = options.chunkDelayMs ?? 0
  const sleep = () => (delay > 0 ? new Promise((r) => setTimeout(r, delay)) : Promise.resolve())

  const fallback =
    options.fallback ??
    ((_req: ChatRequest, key: string | undefined): Turn => ({
      text: `Scripted model: nothing is scripted for ${key ? `conversation "${key}"` : 'this conversation'}.`,
    }))

  const nextTurn = (req: ChatRequest): Turn => {
    const key = conversationKey(req)
    const queue = (key !== undefined ? queues.get(key) : undefined) ?? queues.get(DEFAULT_KEY)
    const step = queue?.shift()
    if (step === undefined) return fallback(req, key)
    return typeof step === 'function' ? step(req) : step
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '')
    // The key check stops a test from passing by accident with a missing or wrong credential.
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return send(
        res,
        401,
        errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
      )
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return send(res, 200, {
        object: 'list',
        data: [{ id: 'scripted', object: 'model', created: 0, owned_by: 'tuxedo-tests' }],
      })
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return send(
        res,
        404,
        errorBody(`Unknown request URL: ${req.method} ${path}.`, 'invalid_request_error', 'unknown_url'),
      )
    }
    const raw: Buffer[] = []
    for await (const c of req) raw.push(c as Buffer)
    let body: ChatRequest
    try {
      const parsed: unknown = JSON.parse(Buffer.concat(raw).toString('utf8'))
      if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as ChatRequest).messages))
        throw new Error()
      body = parsed as ChatRequest
    } catch {
      return send(
        res,
        400,
        errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null),
      )
    }
    requests.push(body)
    const failure = failures.shift()
    if (failure !== undefined) {
      const [type, code] =
        failure === 429 ? ['rate_limit_error', 'rate_limit_exceeded'] : ['server_error', null]
      return send(res, failure, errorBody(`injected by the test (${failure})`, type, code), {
        ...(failure === 429 ? { 'retry-after': '0' } : {}),
      })
    }
    const turn = nextTurn(body)
    if (!body.stream) {
      await sleep()
      return send(res, 200, completion(body, turn))
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    })
    for (const c of chunks(body, turn)) {
      await sleep()
      res.write(`data: ${JSON.stringify(c)}\n\n`)
    }
    res.end('data: [DONE]\n\n')
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      console.error('scripted model:', e)
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script(keyOrSteps, steps) {
      const [key, list] =
        typeof keyOrSteps === 'string' ? [keyOrSteps, steps ?? []] : [DEFAULT_KEY, keyOrSteps]
      queues.set(key, [...(queues.get(key) ?? []), ...list])
    },
    failNext(count, status = 500) {
      for (let i = 0; i < count; i++) failures.push(status)
    },
    setChunkDelayMs(ms) {
      delay = ms
    },
    reset() {
      queues.clear()
      requests.length = 0
      failures.length = 0
      delay = options.chunkDelayMs ?? 0
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((e) => (e ? reject(e) : resolve()))
      }),
  }
}
