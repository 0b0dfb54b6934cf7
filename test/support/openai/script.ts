/**
 * Scripted turns for the OpenAI-compatible stand-in, and how a turn becomes a `chat.completion` or a series
 * of `chat.completion.chunk`s. A turn is what the "model" says next: text, or tool calls whose arguments are
 * whatever the script wrote — including malformed JSON, unknown tools, or a `user_id` the model should not
 * be able to pass. Those are the cases the agent loop must survive.
 */

export type ChatMessage = { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }
export type ChatRequest = {
  model?: string
  messages: ChatMessage[]
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  tools?: unknown[]
  [key: string]: unknown
}

export type ScriptedToolCall = {
  readonly name: string
  /** An object is JSON-encoded; a string is sent verbatim (use it for malformed JSON). */
  readonly arguments: string | Record<string, unknown>
  readonly id?: string
}

export type Turn =
  | { readonly text: string }
  | { readonly toolCalls: readonly ScriptedToolCall[]; readonly text?: string }

/** A dynamic turn: sees the request (e.g. to echo back a destination the test chose). */
export type Responder = (request: ChatRequest) => Turn
export type Step = Turn | Responder

let counter = 0
const nextId = (prefix: string) => `${prefix}${(++counter).toString(36).padStart(8, '0')}`

/** Splits a string into `parts` pieces so streamed deltas really arrive in several chunks. */
export function split(s: string, parts: number): string[] {
  if (s.length === 0) return []
  const size = Math.max(1, Math.ceil(s.length / parts))
  const out: string[] = []
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size))
  return out
}

type ResolvedCall = { id: string; name: string; arguments: string }

function resolveCalls(turn: Turn): ResolvedCall[] {
  if (!('toolCalls' in turn)) return []
  return turn.toolCalls.map((c) => ({
    id: c.id ?? nextId('call_'),
    name: c.name,
    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
  }))
}

function usage(request: ChatRequest, completion: string) {
  const prompt = Math.ceil(JSON.stringify(request.messages).length / 4)
  const done = Math.ceil(completion.length / 4)
  return { prompt_tokens: prompt, completion_tokens: done, total_tokens: prompt + done }
}

export function completion(request: ChatRequest, turn: Turn): Record<string, unknown> {
  const calls = resolveCalls(turn)
  const text = turn.text ?? null
  return {
    id: nextId('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model ?? 'scripted',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          refusal: null,
          ...(calls.length > 0
            ? {
                tool_calls: calls.map((c) => ({
                  id: c.id,
                  type: 'function',
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        },
        logprobs: null,
        finish_reason: calls.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage: usage(request, `${text ?? ''}${calls.map((c) => c.arguments).join('')}`),
  }
}

/** The chunk sequence for a streamed answer, in the order the real API sends it. */
export function chunks(request: ChatRequest, turn: Turn): Record<string, unknown>[] {
  const id = nextId('chatcmpl-')
  const created = Math.floor(Date.now() / 1000)
  const model = request.model ?? 'scripted'
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })
  const calls = resolveCalls(turn)
  const out: Record<string, unknown>[] = [chunk({ role: 'assistant', content: '', refusal: null })]
  for (const piece of split(turn.text ?? '', 3)) out.push(chunk({ content: piece }))
  calls.forEach((c, index) => {
    out.push(
      chunk({
        tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }],
      }),
    )
    for (const piece of split(c.arguments, 3))
      out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }))
  })
  out.push(chunk({}, calls.length > 0 ? 'tool_calls' : 'stop'))
  if (request.stream_options?.include_usage) {
    out.push({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [],
      usage: usage(request, `${turn.text ?? ''}${calls.map((c) => c.arguments).join('')}`),
    })
  }
  return out
}

const MARKER = /\[script:([A-Za-z0-9_.:-]+)\]/

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content
      .map((p: unknown) =>
        p && typeof p === 'object' && 'text' in p && typeof p.text === 'string' ? p.text : '',
      )
      .join(' ')
  }
  return ''
}

/** The conversation key: `[script:NAME]` in the first user message, else undefined (the default queue). */
export function conversationKey(request: ChatRequest): string | undefined {
  const first = request.messages.find((m) => m.role === 'user')
  return first ? MARKER.exec(textOf(first.content))?.[1] : undefined
}
