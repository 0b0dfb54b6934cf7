/**
 * The scripted model, checked with the real `openai` client: JSON and streamed answers, tool-call deltas
 * assembled by the client, per-conversation scripts, dynamic responders, auth and injected failures.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type ScriptedModel, startScriptedModel } from '../support/openai/server.ts'

const KEY = 'sk-test-scripted'
let m: ScriptedModel
let client: OpenAI

beforeAll(async () => {
  m = await startScriptedModel({ apiKey: KEY })
  client = new OpenAI({ baseURL: m.url, apiKey: KEY, maxRetries: 0 })
})
afterAll(() => m.close())
beforeEach(() => m.reset())

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'send_payment', parameters: { type: 'object', properties: {} } } },
  { type: 'function', function: { name: 'get_balance', parameters: { type: 'object', properties: {} } } },
]
const user = (content: string): OpenAI.Chat.Completions.ChatCompletionMessageParam[] => [
  { role: 'user', content },
]

describe('scripted model', () => {
  it('answers text as JSON and records the request', async () => {
    m.script([{ text: 'Hello there' }])
    const r = await client.chat.completions.create({ model: 'scripted', messages: user('hi') })
    expect(r.choices[0]?.message.content).toBe('Hello there')
    expect(r.choices[0]?.finish_reason).toBe('stop')
    expect(m.requests[0]?.messages).toEqual([{ role: 'user', content: 'hi' }])
  })

  it('streams text in several deltas', async () => {
    m.script([{ text: 'Your balance is 100 XLM.' }])
    const stream = await client.chat.completions.create({
      model: 'scripted',
      messages: user('hi'),
      stream: true,
    })
    const deltas: string[] = []
    let finish: string | null = null
    for await (const c of stream) {
      if (c.choices[0]?.delta.content) deltas.push(c.choices[0].delta.content)
      finish = c.choices[0]?.finish_reason ?? finish
    }
    expect(deltas.length).toBeGreaterThan(1)
    expect(deltas.join('')).toBe('Your balance is 100 XLM.')
    expect(finish).toBe('stop')
  })

  it('streams several tool calls whose argument deltas the client assembles', async () => {
    m.script('two-calls', [
      {
        toolCalls: [
          { name: 'get_balance', arguments: { account: 'GA' } },
          { name: 'send_payment', arguments: { destination: 'GB', amount: '10' } },
        ],
      },
    ])
    const final = await client.chat.completions
      .stream({ model: 'scripted', messages: user('[script:two-calls] go'), tools })
      .finalChatCompletion()
    const calls = final.choices[0]?.message.tool_calls ?? []
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
    expect(
      calls.map((c) => (c.type === 'function' ? [c.function.name, JSON.parse(c.function.arguments)] : [])),
    ).toEqual([
      ['get_balance', { account: 'GA' }],
      ['send_payment', { destination: 'GB', amount: '10' }],
    ])
  })

  it.each([
    ['malformed JSON arguments', { name: 'send_payment', arguments: '{"amount": "10", ' }],
    ['an unknown tool', { name: 'drain_everything', arguments: {} }],
    [
      'a user id the model must not choose',
      { name: 'send_payment', arguments: { user_id: 'someone-else', amount: '1' } },
    ],
  ])('passes %s through verbatim', async (_n, call) => {
    m.script([{ toolCalls: [call] }])
    const r = await client.chat.completions.create({ model: 'scripted', messages: user('x'), tools })
    const tc = r.choices[0]?.message.tool_calls?.[0]
    expect(tc?.type === 'function' && tc.function.name).toBe(call.name)
    const expected = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments)
    expect(tc?.type === 'function' && tc.function.arguments).toBe(expected)
  })

  it('keeps conversations apart and serves turns in order', async () => {
    m.script('a', [{ text: 'a1' }, { text: 'a2' }])
    m.script('b', [{ text: 'b1' }])
    const ask = async (k: string) =>
      (await client.chat.completions.create({ model: 's', messages: user(`[script:${k}] hi`) })).choices[0]
        ?.message.content
    expect(await Promise.all([ask('a'), ask('b'), ask('a')])).toEqual(['a1', 'b1', 'a2'])
    expect(await ask('b')).toMatch(/nothing is scripted/)
  })

  it('lets a responder echo what the test chose', async () => {
    m.script([
      (req) => ({ toolCalls: [{ name: 'send_payment', arguments: { echo: req.messages.at(-1)?.content } }] }),
    ])
    const r = await client.chat.completions.create({ model: 's', messages: user('pay GXYZ'), tools })
    const tc = r.choices[0]?.message.tool_calls?.[0]
    expect(tc?.type === 'function' && JSON.parse(tc.function.arguments)).toEqual({ echo: 'pay GXYZ' })
  })

  it.each([
    ['no key', undefined, OpenAI.AuthenticationError],
    ['a wrong key', 'sk-wrong', OpenAI.AuthenticationError],
  ])('refuses %s with 401', async (_n, apiKey, type) => {
    const c = new OpenAI({ baseURL: m.url, apiKey: apiKey ?? 'none', maxRetries: 0 })
    await expect(c.chat.completions.create({ model: 's', messages: user('x') })).rejects.toBeInstanceOf(type)
  })

  it.each([
    [500, OpenAI.InternalServerError],
    [429, OpenAI.RateLimitError],
  ] as const)('fails the next request with %i, then recovers', async (status, type) => {
    m.script([{ text: 'after' }])
    m.failNext(1, status)
    await expect(client.chat.completions.create({ model: 's', messages: user('x') })).rejects.toBeInstanceOf(
      type,
    )
    const r = await client.chat.completions.create({ model: 's', messages: user('x') })
    expect(r.choices[0]?.message.content).toBe('after')
  })

  it('lists a model and reports usage when asked', async () => {
    expect((await client.models.list()).data[0]?.id).toBe('scripted')
    m.script([{ text: 'ok' }])
    const stream = await client.chat.completions.create({
      model: 's',
      messages: user('x'),
      stream: true,
      stream_options: { include_usage: true },
    })
    let total = 0
    for await (const c of stream) total = c.usage?.total_tokens ?? total
    expect(total).toBeGreaterThan(0)
  })
})
