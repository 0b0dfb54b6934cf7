/**
 * The loop on its own, against the scripted model: concurrency of read-only calls, one-at-a-time money
 * moves, approval_required, and the loop's own overhead per turn (printed; see the report).
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createTools } from '../../edge/agent/create-tools.ts'
import { type AnyTool, defineTool, fail, ok, type ToolContext } from '../../edge/agent/define-tool.ts'
import { createLlmClient } from '../../edge/agent/llm.ts'
import { runAgent } from '../../edge/agent/loop.ts'
import { loadConfig } from '../../edge/config.ts'
import { Horizon } from '../../edge/stellar/horizon.ts'
import { SorobanRpc } from '../../edge/stellar/soroban-rpc.ts'
import type { ChatEvent } from '../../shared/schemas/chat-events.ts'
import { ChatEventSchema } from '../../shared/schemas/chat-events.ts'
import { MODEL_ENV, script, uniqueKey } from './support/chat.ts'

const config = loadConfig({ ...(env as unknown as Record<string, unknown>), ...MODEL_ENV })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function ctx(): ToolContext {
  return {
    userId: 'usr_loop_test',
    accounts: [],
    signer: () => Promise.reject(new Error('no signer in this test')),
    horizon: new Horizon(config.network),
    soroban: new SorobanRpc(config.network),
    network: config.network,
    mode: 'agent',
    now: Date.now,
    requestId: 'req_loop_test',
    signal: new AbortController().signal,
    log: () => {},
  }
}

const slow = (name: string, movesMoney: boolean, ms = 100) =>
  defineTool({
    name,
    description: `sleeps ${ms} ms`,
    input: z.object({ n: z.number().int() }).strict(),
    access: 'user',
    movesMoney,
    execute: async (i) => {
      await sleep(ms)
      return ok({ n: i.n })
    },
  })

async function run(key: string, extra: AnyTool[], message = 'go') {
  const events: { at: number; e: ChatEvent }[] = []
  const c = ctx()
  const started = performance.now()
  const outcome = await runAgent({
    llm: {
      client: await createLlmClient({ apiKey: MODEL_ENV.OPENAI_API_KEY, baseUrl: config.llm.baseUrl }),
      model: 'scripted',
      retries: 2,
      backoffMs: 10,
      timeoutMs: 10_000,
    },
    tools: createTools(c, { extra }),
    ctx: c,
    messages: [{ role: 'user', content: `[script:${key}] ${message}` }],
    maxIterations: 25,
    emit: (e) => events.push({ at: performance.now(), e: ChatEventSchema.parse(e) }),
    persist: async () => {},
  })
  return { events, outcome, wallMs: performance.now() - started }
}

const stepSpan = (events: { at: number; e: ChatEvent }[]) => {
  const starts = events.filter((x) => x.e.event === 'tool_call_start').map((x) => x.at)
  const ends = events
    .filter((x) => x.e.event === 'tool_result' || x.e.event === 'tool_error')
    .map((x) => x.at)
  return Math.max(...ends) - Math.min(...starts)
}

const calls = (name: string) => [1, 2, 3].map((n) => ({ name, arguments: { n } }))

describe('agent loop', () => {
  it('three 100 ms read-only calls in one step run concurrently (≈100 ms, not 300)', async () => {
    const key = uniqueKey('concurrent')
    await script(key, [{ toolCalls: calls('slow_read') }, { text: 'done' }])
    const { events, outcome } = await run(key, [slow('slow_read', false)])
    expect(outcome.stopReason).toBe('answer')
    const span = stepSpan(events)
    console.log(`[agent-loop] 3 concurrent 100 ms read-only calls: step took ${span.toFixed(1)} ms`)
    expect(span).toBeGreaterThanOrEqual(95)
    expect(span).toBeLessThan(250)
  })

  it('three 100 ms money-moving calls run one at a time (≥300 ms), in order', async () => {
    const key = uniqueKey('serial')
    await script(key, [{ toolCalls: calls('slow_pay') }, { text: 'done' }])
    const { events } = await run(key, [slow('slow_pay', true)])
    const span = stepSpan(events)
    console.log(`[agent-loop] 3 serial 100 ms money-moving calls: step took ${span.toFixed(1)} ms`)
    expect(span).toBeGreaterThanOrEqual(295)
    const order = events.flatMap((x) =>
      x.e.event === 'tool_result' ? [(x.e.data.data as { n: number }).n] : [],
    )
    expect(order).toEqual([1, 2, 3])
  })

  const SIGNER_PREVIEW = {
    source: 'GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF',
    lines: [{ kind: 'payment', text: 'Send 50 XLM to GBBB', asset: 'native', amount: '50' }],
    fee: '0.00001',
  }
  it('a signer approval request becomes an approval_required event (with the signer’s preview) and a tool_error', async () => {
    const key = uniqueKey('approval')
    const needsApproval = defineTool({
      name: 'pay_big',
      description: 'asks for approval',
      input: z.object({}).strict(),
      access: 'user',
      movesMoney: true,
      execute: async () => ({
        ...fail('ERR_APPROVAL_REQUIRED', 'approval required (apr_0123456789abcdef)', {
          preview: 'Pay 5000 XLM',
        }),
        approval: {
          approvalId: 'apr_0123456789abcdef',
          txHash: 'ab'.repeat(32),
          expiresAt: '2026-12-01T10:00:00.000Z',
          amounts: { native: '5000' },
          reason: 'above the approval threshold',
          preview: SIGNER_PREVIEW,
        },
      }),
    })
    await script(key, [
      { toolCalls: [{ name: 'pay_big', arguments: {} }] },
      { text: 'Waiting for your approval.' },
    ])
    const { events } = await run(key, [needsApproval])
    const approval = events.find((x) => x.e.event === 'approval_required')?.e
    expect(approval?.data).toMatchObject({
      approvalId: 'apr_0123456789abcdef',
      txHash: 'ab'.repeat(32),
      preview: 'Pay 5000 XLM',
      approval: { amounts: { native: '5000' }, expiresAt: '2026-12-01T10:00:00.000Z' },
      signerPreview: SIGNER_PREVIEW,
    })
    expect(events.some((x) => x.e.event === 'tool_error')).toBe(true)
  })

  it('a throwing tool becomes ERR_TOOL_INTERNAL; a hanging one ERR_TOOL_TIMEOUT', async () => {
    const key = uniqueKey('throws')
    const boom = defineTool({
      name: 'boom',
      description: 'throws',
      input: z.object({}).strict(),
      access: 'user',
      movesMoney: false,
      execute: async () => {
        throw new TypeError('secret detail')
      },
    })
    const hang = defineTool({
      name: 'hang',
      description: 'hangs',
      input: z.object({}).strict(),
      access: 'user',
      movesMoney: false,
      timeoutMs: 50,
      execute: () => new Promise(() => {}),
    })
    await script(key, [
      {
        toolCalls: [
          { name: 'boom', arguments: {} },
          { name: 'hang', arguments: {} },
        ],
      },
      { text: 'ok' },
    ])
    const { events } = await run(key, [boom, hang])
    const errors = events.flatMap((x) => (x.e.event === 'tool_error' ? [x.e.data] : []))
    expect(errors.map((e) => e.code).sort()).toEqual(['ERR_TOOL_INTERNAL', 'ERR_TOOL_TIMEOUT'])
    expect(JSON.stringify(errors)).not.toContain('secret detail')
  })

  it('measures the loop overhead per turn with an instant model (printed)', async () => {
    const noop = defineTool({
      name: 'noop',
      description: 'instant',
      input: z.object({}).strict(),
      access: 'user',
      movesMoney: false,
      execute: async () => ok({}),
    })
    const overheads: number[] = []
    const walls: number[] = []
    for (let i = 0; i < 20; i++) {
      const key = uniqueKey('overhead')
      await script(key, [{ toolCalls: [{ name: 'noop', arguments: {} }] }, { text: 'done' }])
      const { outcome, wallMs } = await run(key, [noop])
      walls.push(wallMs)
      overheads.push(wallMs - outcome.llmMs - outcome.toolMs)
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
    console.log(
      `[agent-loop] turn with 1 tool call + answer (2 model calls), 20 runs: median wall ${median(walls).toFixed(1)} ms, ` +
        `median loop overhead (wall − model − tools) ${median(overheads).toFixed(2)} ms`,
    )
    expect(median(overheads)).toBeLessThan(50)
  })
})
