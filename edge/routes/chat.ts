/**
 * POST /chat → Server-Sent Events. Everything that can fail cleanly fails before the stream opens (no model
 * key: 503 ERR_LLM_NOT_CONFIGURED; unknown thread: 404; signer down: 503). Signed-in callers get their own
 * tools and a persisted thread; signed-out callers get read-only public tools, a stricter rate limit and an
 * unsaved conversation. History is always loaded from D1, never taken from the client.
 */
import { Hono } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import { AppError } from '../../shared/errors.ts'
import type { Account } from '../../shared/schemas/signer-rpc.ts'
import { ChatBodySchema } from '../../shared/schemas/threads.ts'
import { createTools } from '../agent/create-tools.ts'
import type { ToolContext } from '../agent/define-tool.ts'
import { createLlmClient } from '../agent/llm.ts'
import { runAgent } from '../agent/loop.ts'
import { stepRecorder } from '../agent/money-steps.ts'
import { redactSecrets } from '../agent/redact.ts'
import { sseResponse } from '../agent/sse.ts'
import { SYSTEM_PROMPT_VERSION, systemPrompt } from '../agent/system-prompt.ts'
import { appendMessages, createThread, getThread, historyFor, listMessages } from '../agent/thread-store.ts'
import { log } from '../errors.ts'
import { newId } from '../lib/crypto.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validation.ts'

const signedInLimit = rateLimit(['chatMinute', 'chatHour'], { failClosed: true })
const anonLimit = rateLimit(['chatAnon'], { failClosed: true })
/** Chat can move money, so both limits fail closed; signed-out callers get the stricter one. */
const chatLimit = createMiddleware<AppEnv>((c, next) =>
  c.var.caller ? signedInLimit(c, next) : anonLimit(c, next),
)

const DEFAULT_MAX_ITERATIONS = 25

function maxIterations(env: AppEnv['Bindings']): number {
  const n = Number(env.AGENT_MAX_ITERATIONS ?? DEFAULT_MAX_ITERATIONS)
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : DEFAULT_MAX_ITERATIONS
}

export const chat = new Hono<AppEnv>().post('/', chatLimit, validate('json', ChatBodySchema), async (c) => {
  const config = c.var.config
  const apiKey = config.llm.apiKey
  if (!apiKey) throw new AppError('ERR_LLM_NOT_CONFIGURED', 'the assistant is not configured on this server')
  const body = c.req.valid('json')
  const caller = c.var.caller
  const now = c.var.now
  const db = c.env.DB
  if (!caller && (body.threadId !== undefined || body.mode === 'external'))
    throw new AppError('ERR_AUTH_REQUIRED', 'sign in to use threads and money tools')
  const services = c.var.services

  let threadId: string
  let history: ChatCompletionMessageParam[] = []
  let accounts: Account[] = []
  if (caller) {
    // Independent round trips run together: time to the first byte is what the user waits on.
    const [thread, list, past] = await Promise.all([
      body.threadId
        ? getThread(db, caller.userId, body.threadId)
        : createThread(db, caller.userId, titleFrom(body.message), now()),
      services.signer('accounts.list', caller.userId, {}),
      body.threadId ? listMessages(db, caller.userId, body.threadId) : Promise.resolve([]),
    ])
    if (!thread) throw new AppError('ERR_NOT_FOUND', 'no such thread')
    threadId = thread.id
    history = historyFor(past)
    accounts = list.accounts
  } else {
    threadId = newId('thr')
  }

  // A pasted secret seed is redacted before it is stored or shown to the model.
  const userMessage: ChatCompletionMessageParam = { role: 'user', content: redactSecrets(body.message) }

  const requestId = c.var.requestId
  return sseResponse(c.req.raw.signal, async ({ send, signal }) => {
    const ctx: ToolContext = {
      userId: caller?.userId,
      accounts,
      ...services,
      network: config.network,
      mode: body.mode,
      now,
      requestId,
      signal,
      log: (level, code, detail) => log(level, c, code, detail),
    }
    const tools = createTools(ctx)
    // Each money step's state is kept beside the thread, so a reopened thread shows what happened to it.
    const steps = caller
      ? stepRecorder(db, caller.userId, threadId, now, (e) =>
          log('error', c, 'ERR_INTERNAL', `money step: ${e instanceof Error ? e.message : 'throw'}`),
        )
      : undefined
    send({
      event: 'agent_start',
      data: {
        threadId,
        runId: newId('run'),
        mode: body.mode,
        model: config.llm.model,
        promptVersion: SYSTEM_PROMPT_VERSION,
        signedIn: caller !== undefined,
      },
    })
    try {
      // Stored before the model sees it; a failure here ends the run with an error event, nothing else written.
      if (caller) {
        await appendMessages(db, caller.userId, threadId, [{ role: 'user', content: userMessage }], now())
      }
      const system = systemPrompt({
        network: config.network,
        accounts,
        signedIn: caller !== undefined,
        mode: body.mode,
        now: now(),
      })
      await runAgent({
        llm: {
          client: await createLlmClient({ apiKey, baseUrl: config.llm.baseUrl }),
          model: config.llm.model,
          retries: 2,
          backoffMs: 250,
          timeoutMs: 60_000,
        },
        tools,
        ctx,
        messages: [{ role: 'system', content: system }, ...history, userMessage],
        maxIterations: maxIterations(c.env),
        emit: (e) => {
          send(e)
          steps?.observe(e)
        },
        persist: async (msgs) => {
          if (caller) await appendMessages(db, caller.userId, threadId, msgs, now())
        },
      })
    } catch (e) {
      log('error', c, 'ERR_INTERNAL', `chat run: ${e instanceof Error ? `${e.name}: ${e.message}` : 'throw'}`)
      send({ event: 'error', data: { code: 'ERR_INTERNAL', message: 'internal error' } })
    }
    await steps?.flush()
    send({ event: 'done', data: { threadId } })
  })
})

const titleFrom = (message: string) => {
  const line = redactSecrets(message).trim().split('\n')[0] ?? ''
  return (line.length > 60 ? `${line.slice(0, 57)}…` : line) || 'New chat'
}
