/**
 * Chat test helpers: drive the scripted model through its control channel, post to /chat and split the
 * SSE answer into frames, and make a funded account for a signed-in user.
 */
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import {
  type ChatEvent,
  type ChatEventData,
  type ChatEventName,
  ChatEventSchema,
} from '../../../shared/schemas/chat-events.ts'
import { json, type testApp } from './app.ts'

const CONTROL = String(Reflect.get(env, 'TEST_MODEL_CONTROL_URL'))
export const HORIZON = String(Reflect.get(env, 'HORIZON_URL'))
export const MODEL_ENV = { OPENAI_API_KEY: String(Reflect.get(env, 'TEST_OPENAI_API_KEY')) }

export type Step =
  | { text: string }
  | { toolCalls: { name: string; arguments: string | Record<string, unknown>; id?: string }[]; text?: string }
  | { fail: true }
  /** Answered by the DeFi demo rules (test/support/openai/defi-demo.ts) from the request it sees. */
  | { demo: true }

export const uniqueKey = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`

export async function script(key: string, steps: Step[]) {
  const res = await fetch(`${CONTROL}/script`, { method: 'POST', body: JSON.stringify({ key, steps }) })
  expect(res.status).toBe(200)
}

export async function modelRequests(key: string) {
  const res = await fetch(`${CONTROL}/requests?key=${encodeURIComponent(key)}`)
  return (await res.json()) as {
    requests: {
      messages: { role: string; content?: unknown; tool_call_id?: string }[]
      tools?: { function: { name: string } }[]
    }[]
  }
}

export type Frame = { event: string; id: string | undefined; data: unknown; raw: string }

/** Splits an SSE body into frames; comments (": ping") are skipped. */
export function parseFrames(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((raw) => {
      const lines = raw.split('\n')
      const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2)
      return { event: field('event') ?? '', id: field('id'), data: JSON.parse(field('data') ?? 'null'), raw }
    })
}

type Call = ReturnType<typeof testApp>

export async function postChat(call: Call, body: unknown, headers: Record<string, string> = {}) {
  const res = await call('/chat', {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  return {
    res,
    text,
    frames: res.headers.get('content-type')?.startsWith('text/event-stream') ? parseFrames(text) : [],
  }
}

/** Every frame parses with the shared union (the contract); returns them typed. */
export function typed(frames: Frame[]): ChatEvent[] {
  return frames.map((f) => {
    expect(f.id).toMatch(/^[0-9]+$/)
    return ChatEventSchema.parse({ event: f.event, data: f.data })
  })
}

export const ofType = <N extends ChatEventName>(events: ChatEvent[], name: N): ChatEventData<N>[] =>
  events.filter((e) => e.event === name).map((e) => e.data as ChatEventData<N>)

export async function fundedAccount(call: Call, auth: Record<string, string>, name = 'main') {
  const res = await call('/api/accounts', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'user', name }),
  })
  expect(res.status).toBe(201)
  const account = await json<{ accountId: string; publicKey: string }>(res)
  const funded = await call(`/api/accounts/${account.accountId}/fund`, { method: 'POST', headers: auth })
  expect(funded.status).toBe(200)
  return account
}

export async function nativeBalance(publicKey: string): Promise<string | undefined> {
  const res = await fetch(`${HORIZON}/accounts/${publicKey}`)
  if (res.status === 404) return undefined
  const acc = (await res.json()) as { balances: { asset_type: string; balance: string }[] }
  return acc.balances.find((b) => b.asset_type === 'native')?.balance
}

export async function friendbotFunded(publicKey: string) {
  expect((await fetch(`${HORIZON}/friendbot?addr=${publicKey}`)).status).toBe(200)
}
