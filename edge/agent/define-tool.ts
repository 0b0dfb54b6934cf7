/**
 * The one tool interface. A tool is a name, a description, a zod input schema valid for OpenAI strict
 * function calling, whether a given input moves money, and `execute(input, ctx)`. `safeExecute` is the
 * only way any tool runs: it parses the model's JSON with the schema, bounds the time, records the
 * duration and turns every throw into a result, so the loop never needs a per-tool special case.
 *
 * Identity comes only from `ctx`: the schema is strict, so a model that adds `user_id` is refused.
 */
import { z } from 'zod'
import { AppError, type ErrorCode } from '../../shared/errors.ts'
import type { NetworkConfig } from '../../shared/network.ts'
import type { ChatMode } from '../../shared/schemas/chat-events.ts'
import type { Account, ApprovalRequiredDetails } from '../../shared/schemas/signer-rpc.ts'
import type { Services } from '../money/services.ts'
import { describeIssues } from '../validation.ts'

/** The request's services (signer, Horizon, Soroban RPC: c.var.services) plus who is asking and how. */
export type ToolContext = Services & {
  /** Set only for a signed-in caller; tools that need it are not even offered otherwise. */
  readonly userId: string | undefined
  /** The caller's accounts, loaded from the signer once per request; a created account is appended. */
  readonly accounts: Account[]
  readonly network: NetworkConfig
  readonly mode: ChatMode
  readonly now: () => number
  readonly requestId: string
  readonly signal: AbortSignal
  /** Logging with the request id; never pass secrets or raw tool arguments. */
  readonly log: (level: 'info' | 'warn' | 'error', code: string, detail: string) => void
}

export type ToolResult =
  | { readonly ok: true; readonly data: unknown }
  | {
      readonly ok: false
      readonly code: ErrorCode
      readonly message: string
      readonly details?: Readonly<Record<string, unknown>>
      /** ERR_APPROVAL_REQUIRED: the signer's approval request, typed as it sent it. */
      readonly approval?: ApprovalRequiredDetails
    }

export type ToolAccess = 'public' | 'user'

export type Tool<I = unknown> = {
  readonly name: string
  readonly description: string
  readonly input: z.ZodType
  /** public tools (market data, network utilities) are offered to signed-out callers. */
  readonly access: ToolAccess
  /** Money-moving calls run one at a time; the rest of a step runs concurrently. */
  readonly movesMoney: (input: I) => boolean
  readonly timeoutMs: number
  readonly execute: (input: I, ctx: ToolContext) => Promise<ToolResult>
}

export type AnyTool = Tool<never> & { readonly input: z.ZodType }

const DEFAULT_TIMEOUT_MS = 30_000

export function defineTool<S extends z.ZodObject>(def: {
  name: string
  description: string
  input: S
  access: ToolAccess
  movesMoney: boolean | ((input: z.infer<S>) => boolean)
  timeoutMs?: number
  execute: (input: z.infer<S>, ctx: ToolContext) => Promise<ToolResult>
}): AnyTool {
  const moves = def.movesMoney
  const tool: Tool<z.infer<S>> = {
    name: def.name,
    description: def.description,
    input: def.input,
    access: def.access,
    movesMoney: typeof moves === 'function' ? moves : () => moves,
    timeoutMs: def.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    execute: def.execute,
  }
  return tool as unknown as AnyTool
}

export const ok = (data: unknown): ToolResult => ({ ok: true, data })
export const fail = (
  code: ErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): ToolResult => ({ ok: false, code, message, ...(details ? { details } : {}) })

/** Parses the model's raw argument string; undefined when it is not JSON or does not fit the schema. */
export function parseArgs(
  tool: AnyTool,
  raw: string,
): { ok: true; input: unknown } | { ok: false; message: string } {
  let json: unknown
  try {
    json = raw.trim() === '' ? {} : JSON.parse(raw)
  } catch {
    return { ok: false, message: 'arguments are not valid JSON' }
  }
  const parsed = tool.input.safeParse(json)
  return parsed.success
    ? { ok: true, input: parsed.data }
    : { ok: false, message: describeIssues(parsed.error.issues) }
}

/** Does this call move money? Unparseable calls do not run at all, so they count as reads. */
export function callMovesMoney(tool: AnyTool, raw: string): boolean {
  const parsed = parseArgs(tool, raw)
  const moves = tool.movesMoney as (input: unknown) => boolean
  return parsed.ok ? moves(parsed.input) : false
}

export type Execution = { readonly result: ToolResult; readonly durationMs: number }

/** Runs one tool call. Never throws. */
export async function safeExecute(tool: AnyTool, rawArgs: string, ctx: ToolContext): Promise<Execution> {
  const started = performance.now()
  const done = (result: ToolResult): Execution => ({
    result,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  })
  const parsed = parseArgs(tool, rawArgs)
  if (!parsed.ok) return done(fail('ERR_TOOL_INPUT', `${tool.name}: ${parsed.message}`))
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<ToolResult>((resolve) => {
    timer = setTimeout(
      () => resolve(fail('ERR_TOOL_TIMEOUT', `${tool.name} did not finish within ${tool.timeoutMs} ms`)),
      tool.timeoutMs,
    )
  })
  const execute = tool.execute as (input: unknown, ctx: ToolContext) => Promise<ToolResult>
  try {
    return done(await Promise.race([execute(parsed.input, ctx), timeout]))
  } catch (e) {
    if (e instanceof AppError) {
      // A deliberate, caller-safe error (account not found, policy denied, Horizon said no).
      if (e.detail) ctx.log('warn', e.code, `${tool.name}: ${e.detail}`)
      return done(fail(e.code, e.message))
    }
    ctx.log('error', 'ERR_TOOL_INTERNAL', `${tool.name}: ${e instanceof Error ? e.name : 'throw'}`)
    return done(fail('ERR_TOOL_INTERNAL', `${tool.name} failed unexpectedly`))
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

/** The OpenAI `tools` entry: strict function calling with the schema as JSON Schema. */
export function toOpenAiTool(tool: AnyTool) {
  const parameters = z.toJSONSchema(tool.input, { target: 'draft-7', io: 'input' }) as Record<string, unknown>
  delete parameters.$schema
  return {
    type: 'function' as const,
    function: { name: tool.name, description: tool.description, parameters, strict: true },
  }
}
