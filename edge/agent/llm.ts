/**
 * One streamed chat completion: text deltas go out as they arrive, tool-call argument deltas are assembled
 * by index. Transient failures (connection, 408/409/429/5xx) are retried twice with backoff — only while
 * nothing has been streamed yet, so a retry never repeats text the client already saw.
 */
import type OpenAI from 'openai'
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions'
import { AppError } from '../../shared/errors.ts'

export type ToolCall = { readonly id: string; readonly name: string; readonly arguments: string }
export type StepOutput = { readonly text: string; readonly toolCalls: readonly ToolCall[] }

export type LlmOptions = {
  readonly client: OpenAI
  readonly model: string
  readonly retries: number
  readonly backoffMs: number
  readonly timeoutMs: number
}

/**
 * The SDK is loaded on first use: evaluating its module is a large share of the Worker's start-up time
 * (measured in bench/bundle.ts), and only chat needs it. Cached per isolate like any module.
 */
let sdk: typeof OpenAI | undefined
async function loadSdk(): Promise<typeof OpenAI> {
  sdk ??= (await import('openai')).default
  return sdk
}

export async function createLlmClient(llm: { apiKey: string; baseUrl: string }): Promise<OpenAI> {
  const Sdk = await loadSdk()
  // Retries are ours (see streamStep): the SDK's would restart a stream we already forwarded.
  return new Sdk({ apiKey: llm.apiKey, baseURL: llm.baseUrl, maxRetries: 0 })
}

function retryable(e: unknown): boolean {
  // A client exists only after loadSdk(), so sdk is set whenever there is an error to classify.
  if (!sdk) return false
  // A model that timed out is not retried: a hung endpoint would otherwise hold the chat for 3 × the timeout.
  if (e instanceof sdk.APIConnectionTimeoutError || e instanceof sdk.APIUserAbortError) return false
  if (e instanceof sdk.APIConnectionError) return true
  if (e instanceof sdk.APIError) {
    const s = e.status ?? 0
    return s === 408 || s === 409 || s === 429 || s >= 500
  }
  return false
}

export async function streamStep(
  opts: LlmOptions,
  messages: readonly ChatCompletionMessageParam[],
  tools: readonly ChatCompletionTool[],
  signal: AbortSignal,
  onText: (delta: string) => void,
): Promise<StepOutput> {
  let lastError: unknown
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) await sleep(opts.backoffMs * 2 ** (attempt - 1), signal)
    if (signal.aborted) throw new AppError('ERR_LLM_UNAVAILABLE', 'cancelled')
    let streamed = false
    try {
      const stream = await opts.client.chat.completions.create(
        {
          model: opts.model,
          messages: [...messages],
          stream: true,
          ...(tools.length ? { tools: [...tools], parallel_tool_calls: true } : {}),
        },
        { signal: AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs)]) },
      )
      let text = ''
      const calls: { id: string; name: string; arguments: string }[] = []
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta
        if (!delta) continue
        if (delta.content) {
          streamed = true
          text += delta.content
          onText(delta.content)
        }
        for (const tc of delta.tool_calls ?? []) {
          const slot = calls[tc.index] ?? { id: '', name: '', arguments: '' }
          calls[tc.index] = slot
          if (tc.id) slot.id = tc.id
          if (tc.function?.name) slot.name += tc.function.name
          if (tc.function?.arguments) slot.arguments += tc.function.arguments
        }
      }
      return {
        text,
        toolCalls: calls.filter(Boolean).map((c, i) => ({ ...c, id: c.id || `call_${i}` })),
      }
    } catch (e) {
      lastError = e
      if (signal.aborted || streamed || !retryable(e)) break
    }
  }
  const status = sdk && lastError instanceof sdk.APIError ? ` (status ${lastError.status ?? '?'})` : ''
  throw new AppError(
    'ERR_LLM_UNAVAILABLE',
    'the language model is unavailable, try again shortly',
    `${lastError instanceof Error ? lastError.name : 'error'}${status}`,
  )
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        resolve()
      },
      { once: true },
    )
  })
}
