/**
 * The bounded agent loop. Each iteration streams one completion; if the model asked for tools, they run
 * through safeExecute — read-only calls of the step concurrently, money-moving ones one at a time, in the
 * order the model gave them — and the step (assistant message + every tool result) is persisted before the
 * next. It stops at an answer, at `maxIterations`, on an LLM failure (an `error` event) or when the client
 * goes away (`signal`). Tools still running when the client leaves are awaited and recorded: a signed
 * transaction must not vanish from the thread.
 */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import { AppError } from '../../shared/errors.ts'
import type { ChatEvent } from '../../shared/schemas/chat-events.ts'
import type { Toolset } from './create-tools.ts'
import {
  type AnyTool,
  callMovesMoney,
  type Execution,
  fail,
  safeExecute,
  type ToolContext,
  toOpenAiTool,
} from './define-tool.ts'
import { type LlmOptions, streamStep, type ToolCall } from './llm.ts'
import { createDeltaRedactor, redactSecrets } from './redact.ts'

export type Persisted = { readonly role: 'assistant' | 'tool'; readonly content: ChatCompletionMessageParam }

export type LoopInput = {
  readonly llm: LlmOptions
  readonly tools: Toolset
  readonly ctx: ToolContext
  /** System prompt, history from D1 and the new user message. */
  readonly messages: readonly ChatCompletionMessageParam[]
  readonly maxIterations: number
  readonly emit: (event: ChatEvent) => void
  readonly persist: (messages: readonly Persisted[]) => Promise<void>
}

export type LoopOutcome = {
  readonly iterations: number
  readonly text: string
  readonly stopReason: 'answer' | 'max_iterations' | 'cancelled' | 'error'
  /** Milliseconds spent waiting on the model and in tools; the rest of the run is the loop's own. */
  readonly llmMs: number
  readonly toolMs: number
}

export async function runAgent(input: LoopInput): Promise<LoopOutcome> {
  const { ctx, emit } = input
  const history = [...input.messages]
  const openAiTools = input.tools.list.map(toOpenAiTool)
  let llmMs = 0
  let toolMs = 0
  let iteration = 0
  while (iteration < input.maxIterations) {
    if (ctx.signal.aborted) return { iterations: iteration, text: '', stopReason: 'cancelled', llmMs, toolMs }
    iteration++
    emit({ event: 'iteration_start', data: { iteration } })
    const t0 = performance.now()
    let step: Awaited<ReturnType<typeof streamStep>>
    try {
      const it = iteration
      // Per step: a seed split across deltas is held back until it is whole, then redacted.
      const redactor = createDeltaRedactor()
      const send = (delta: string) => {
        if (delta) emit({ event: 'text_delta', data: { iteration: it, delta } })
      }
      step = await streamStep(input.llm, history, openAiTools, ctx.signal, (delta) =>
        send(redactor.push(delta)),
      )
      send(redactor.flush())
    } catch (e) {
      if (ctx.signal.aborted)
        return { iterations: iteration, text: '', stopReason: 'cancelled', llmMs, toolMs }
      const err = e instanceof AppError ? e : new AppError('ERR_LLM_UNAVAILABLE', 'the language model failed')
      ctx.log('warn', err.code, err.detail ?? err.message)
      emit({ event: 'error', data: { code: err.code, message: err.message } })
      return { iterations: iteration, text: '', stopReason: 'error', llmMs, toolMs }
    } finally {
      llmMs += performance.now() - t0
    }
    const text = redactSecrets(step.text)
    if (step.toolCalls.length === 0) {
      await input.persist([{ role: 'assistant', content: { role: 'assistant', content: text } }])
      emit({ event: 'agent_complete', data: { iterations: iteration, text, stopReason: 'answer' } })
      return { iterations: iteration, text, stopReason: 'answer', llmMs, toolMs }
    }
    const calls = step.toolCalls.map((c) => ({ ...c, arguments: redactSecrets(c.arguments) }))
    const assistant: ChatCompletionMessageParam = {
      role: 'assistant',
      content: text || null,
      tool_calls: calls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      })),
    }
    for (const c of calls)
      emit({ event: 'tool_call_start', data: { callId: c.id, name: c.name, arguments: c.arguments } })
    const t1 = performance.now()
    const results = await runStep(input.tools, calls, ctx, emit)
    toolMs += performance.now() - t1
    const toolMessages: Persisted[] = calls.map((c, i) => ({
      role: 'tool',
      content: {
        role: 'tool',
        tool_call_id: c.id,
        content: redactSecrets(JSON.stringify(results[i]?.result ?? null)),
      },
    }))
    await input.persist([{ role: 'assistant', content: assistant }, ...toolMessages])
    history.push(assistant, ...toolMessages.map((m) => m.content))
  }
  const text = 'I stopped after reaching the step limit for one request. Ask me to continue if needed.'
  await input.persist([{ role: 'assistant', content: { role: 'assistant', content: text } }])
  emit({ event: 'agent_complete', data: { iterations: iteration, text, stopReason: 'max_iterations' } })
  return { iterations: iteration, text, stopReason: 'max_iterations', llmMs, toolMs }
}

/** Reads start together; money-moving calls run one after another; results come back in call order. */
async function runStep(
  tools: Toolset,
  calls: readonly ToolCall[],
  ctx: ToolContext,
  emit: LoopInput['emit'],
): Promise<Execution[]> {
  const results: Execution[] = new Array(calls.length)
  const runOne = async (i: number, call: ToolCall, tool: AnyTool | undefined) => {
    const exec = tool
      ? await safeExecute(tool, call.arguments, ctx)
      : {
          result: fail('ERR_TOOL_UNKNOWN', `there is no tool named "${call.name.slice(0, 64)}"`),
          durationMs: 0,
        }
    results[i] = exec
    report(call, exec, emit)
  }
  const reads: Promise<void>[] = []
  const writes: (() => Promise<void>)[] = []
  calls.forEach((call, i) => {
    const tool = tools.byName.get(call.name)
    if (tool && callMovesMoney(tool, call.arguments)) writes.push(() => runOne(i, call, tool))
    else reads.push(runOne(i, call, tool))
  })
  const serial = (async () => {
    for (const w of writes) await w()
  })()
  await Promise.all([...reads, serial])
  return results
}

function report(call: ToolCall, exec: Execution, emit: LoopInput['emit']) {
  const base = { callId: call.id, name: call.name, durationMs: exec.durationMs }
  const r = exec.result
  if (r.ok) {
    emit({
      event: 'tool_result',
      data: { ...base, data: JSON.parse(redactSecrets(JSON.stringify(r.data ?? null))) },
    })
    return
  }
  if (r.code === 'ERR_APPROVAL_REQUIRED') {
    const approval = r.approval
    emit({
      event: 'approval_required',
      data: {
        callId: call.id,
        name: call.name,
        message: r.message,
        ...(approval ? { approvalId: approval.approvalId, txHash: approval.txHash, approval } : {}),
        ...(r.details?.preview !== undefined ? { preview: r.details.preview } : {}),
        // The signer's own reading of the XDR (what the approval card shows), from its typed details.
        ...(approval?.preview ? { signerPreview: approval.preview } : {}),
      },
    })
  }
  emit({ event: 'tool_error', data: { ...base, code: r.code, message: r.message } })
}
