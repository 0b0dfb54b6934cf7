/**
 * Issue 9, reliability 6: slow or dead Horizon, Soroban RPC and LLM. Each failure must end in a clear,
 * coded error for the user within a bound, and nothing may hang: HTTP routes answer 504/502 in our shape,
 * /chat streams end with a tool_error or error event and `done`. The Horizon stand-in's latency and failure
 * injection, a Soroban RPC that accepts connections and never answers, one that refuses them, and the
 * scripted model's failNext and chunk delay drive it. Secrets seen nowhere (responses, streams, logs, D1).
 */
import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../scripts/lib/ports.ts'
import { chatStream } from '../support/reliability/chat.ts'
import { createHttp } from '../support/reliability/http.ts'
import { createSecretScan } from '../support/reliability/secret-scan.ts'
import {
  type Edge,
  type ReliabilityStack,
  readLog,
  startReliabilityStack,
} from '../support/reliability/stack.ts'

let stack: ReliabilityStack
let edge: Edge
let hangingRpc: Server
const held: Socket[] = []
let token = ''
let accountId = ''
const scan = createSecretScan()
const HIGH = '100000/1m'
const LIMITS = {
  RATE_LIMIT_READ: HIGH,
  RATE_LIMIT_MONEY: HIGH,
  RATE_LIMIT_CHAT_MINUTE: HIGH,
  RATE_LIMIT_CHAT_HOUR: HIGH,
}

beforeAll(async () => {
  stack = await startReliabilityStack()
  edge = await stack.startEdge(LIMITS)
  // A Soroban RPC that takes the connection and never says a word: only a timeout can end the wait.
  hangingRpc = createServer((s) => {
    held.push(s)
    s.on('error', () => {})
  })
  await new Promise<void>((r) => hangingRpc.listen(0, '127.0.0.1', r))
  scan.watchDevSecrets(stack.secrets)
  token = await edge.session('usr_reliability_upstreams')
  const created = await createHttp(edge.url).send({
    method: 'POST',
    path: '/api/accounts',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ kind: 'agent', name: 'upstreams' }),
  })
  expect(created.status).toBe(201)
  accountId = (JSON.parse(created.body) as { accountId: string }).accountId
})

afterAll(async () => {
  for (const s of held) s.destroy()
  await new Promise<void>((r) => (hangingRpc ? hangingRpc.close(() => r()) : r()))
  if (!stack) return
  scan.add('edge console', edge.console.join('\n'))
  scan.add('signer log', readLog(stack.signerLogFile))
  scan.add('stored threads', await edge.dumpThreads())
  for (const t of stack.sessionTokens) scan.watch('session token', t)
  expect(scan.scan()).toEqual([])
  await stack.stop()
})

const get = (e: Edge, path: string) =>
  createHttp(e.url, { timeoutMs: 60_000 }).send({
    method: 'GET',
    path,
    headers: { authorization: `Bearer ${token}` },
  })

/** POST /chat and the whole event stream (the client's own deadline bounds it). */
async function chat(e: Edge, message: string, opts: { timeoutMs?: number; session?: string } = {}) {
  const out = await chatStream(e.url, opts.session ?? token, message, opts.timeoutMs)
  scan.add('chat SSE', out.r.body)
  return out
}

const toolCall = (name: string, args: Record<string, unknown>) => ({ toolCalls: [{ name, arguments: args }] })

describe('Horizon', () => {
  it('slow (10 s per answer, past the 8 s client timeout): 504 ERR_UPSTREAM_TIMEOUT, balances unknown, chat tool error', async () => {
    const { horizon, model } = stack.standIns
    horizon.ledger.setLatencyMs(10_000)
    model.script('horizon-slow', [
      toolCall('account_manager', { action: 'transactions', account: null, name: null, limit: null }),
      { text: 'Horizon did not answer in time; try again shortly.' },
    ])
    try {
      const [txs, one, conversation] = await Promise.all([
        get(edge, `/api/accounts/${accountId}/transactions`),
        get(edge, `/api/accounts/${accountId}`),
        chat(edge, '[script:horizon-slow] show my transactions'),
      ])
      scan.add('horizon slow', txs.body + one.body)
      console.log(
        `[reliability] horizon slow: transactions ${txs.status} in ${txs.ms.toFixed(0)} ms, account ${one.status} ` +
          `in ${one.ms.toFixed(0)} ms, chat ${conversation.events.map((e) => e.event).join('>')} in ${conversation.r.ms.toFixed(0)} ms`,
      )
      expect(txs.status).toBe(504)
      expect(JSON.parse(txs.body)).toMatchObject({ code: 'ERR_UPSTREAM_TIMEOUT' })
      expect(txs.ms).toBeGreaterThan(7_500)
      expect(txs.ms).toBeLessThan(12_000)
      // The user's accounts stay visible; the balance is "unknown", not an error or a wait.
      expect(one.status).toBe(200)
      expect(JSON.parse(one.body)).toMatchObject({ accountId, funded: null, balances: null })
      expect(one.ms).toBeLessThan(12_000)
      const toolError = conversation.events.find((e) => e.event === 'tool_error')
      expect(toolError?.data).toMatchObject({ code: 'ERR_UPSTREAM_TIMEOUT' })
      expect(conversation.events.at(-1)?.event).toBe('done')
      expect(conversation.r.ms).toBeLessThan(20_000)
    } finally {
      horizon.ledger.setLatencyMs(0)
    }
  })

  it('failing (503s): 502 ERR_UPSTREAM_UNAVAILABLE at once', async () => {
    stack.standIns.horizon.ledger.failNext(3, 503)
    const r = await get(edge, `/api/accounts/${accountId}/transactions`)
    scan.add('horizon failing', r.body)
    console.log(`[reliability] horizon failing: ${r.status} in ${r.ms.toFixed(0)} ms`)
    expect(r.status).toBe(502)
    expect(Object.keys(JSON.parse(r.body)).sort()).toEqual(['code', 'message', 'requestId'])
    expect(JSON.parse(r.body)).toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE' })
    expect(r.ms).toBeLessThan(2_000)
  })
})

describe('Soroban RPC', () => {
  const readCall = (key: string) =>
    stack.standIns.model.script(key, [
      toolCall('soroban', {
        action: 'read',
        account: null,
        contract_id: stack.standIns.sorobanRpc.contract.id,
        function: 'balance',
        args: [{ type: 'address', value: 'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7' }],
      }),
      { text: 'Soroban RPC is not answering.' },
    ])

  it('refusing connections: the tool fails at once with ERR_UPSTREAM_UNAVAILABLE, the stream ends', async () => {
    const dead = await stack.startEdge({ ...LIMITS, SOROBAN_RPC_URL: `http://127.0.0.1:${await freePort()}` })
    const session = await dead.session('usr_reliability_upstreams')
    readCall('soroban-dead')
    const { r, events } = await chat(dead, '[script:soroban-dead] read the balance', { session })
    console.log(
      `[reliability] soroban refusing: chat ${events.map((e) => e.event).join('>')} in ${r.ms.toFixed(0)} ms`,
    )
    expect(events.find((e) => e.event === 'tool_error')?.data).toMatchObject({
      code: 'ERR_UPSTREAM_UNAVAILABLE',
    })
    expect(events.at(-1)?.event).toBe('done')
    expect(r.ms).toBeLessThan(5_000)
    scan.add('edge console (soroban dead)', dead.console.join('\n'))
  })

  it('accepting but never answering: the per-call RPC timeout (8 s) ends it with ERR_UPSTREAM_TIMEOUT', async () => {
    const addr = hangingRpc.address()
    const port = typeof addr === 'object' && addr ? addr.port : 0
    const hung = await stack.startEdge({ ...LIMITS, SOROBAN_RPC_URL: `http://127.0.0.1:${port}` })
    const session = await hung.session('usr_reliability_upstreams')
    readCall('soroban-hung')
    const { r, events } = await chat(hung, '[script:soroban-hung] read the balance', {
      timeoutMs: 90_000,
      session,
    })
    console.log(
      `[reliability] soroban hanging: chat ${events.map((e) => e.event).join('>')} in ${r.ms.toFixed(0)} ms`,
    )
    expect(r.error).toBeUndefined()
    expect(events.find((e) => e.event === 'tool_error')?.data).toMatchObject({ code: 'ERR_UPSTREAM_TIMEOUT' })
    expect(events.at(-1)?.event).toBe('done')
    expect(r.ms).toBeGreaterThan(7_500)
    expect(r.ms).toBeLessThan(15_000)
    scan.add('edge console (soroban hung)', hung.console.join('\n'))
  })
})

describe('LLM', () => {
  it('failing (503 on every try): an error event with ERR_LLM_UNAVAILABLE, then done, within seconds', async () => {
    stack.standIns.model.failNext(10, 503)
    const { r, events } = await chat(edge, 'hello')
    stack.standIns.model.reset()
    console.log(
      `[reliability] llm failing: chat ${events.map((e) => e.event).join('>')} in ${r.ms.toFixed(0)} ms`,
    )
    expect(r.status).toBe(200)
    expect(events[0]?.data).toMatchObject({ signedIn: true })
    expect(events.find((e) => e.event === 'error')?.data).toMatchObject({ code: 'ERR_LLM_UNAVAILABLE' })
    expect(events.at(-1)?.event).toBe('done')
    expect(r.ms).toBeLessThan(10_000)
  })

  it('slow (150 ms between chunks): the answer still arrives whole and the stream ends', async () => {
    const { model } = stack.standIns
    model.setChunkDelayMs(150)
    model.script('llm-slow', [{ text: 'A slow but complete answer from the model.' }])
    try {
      const { r, events } = await chat(edge, '[script:llm-slow] hi')
      console.log(`[reliability] llm slow: chat ${events.length} events in ${r.ms.toFixed(0)} ms`)
      expect(events.find((e) => e.event === 'agent_complete')?.data).toMatchObject({
        text: 'A slow but complete answer from the model.',
      })
      expect(events.at(-1)?.event).toBe('done')
    } finally {
      model.setChunkDelayMs(0)
    }
  })
})
