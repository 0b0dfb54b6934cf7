/**
 * The Server-Sent Events of `POST /chat`: one zod schema per event payload and the union of all frames.
 * The server builds every frame through this union, and a contract test parses every frame it emits.
 * Web APIs only: the browser parses the same frames.
 */
import { z } from 'zod'
import { ErrorCodeSchema } from '../errors.ts'
import { ApprovalRequiredDetailsSchema, SignerPreviewSchema } from './signer-rpc.ts'

export const ChatModeSchema = z.enum(['agent', 'external'])
export type ChatMode = z.infer<typeof ChatModeSchema>

export const AgentStartSchema = z
  .object({
    threadId: z.string(),
    runId: z.string(),
    mode: ChatModeSchema,
    model: z.string(),
    promptVersion: z.string(),
    signedIn: z.boolean(),
  })
  .strict()
export const IterationStartSchema = z.object({ iteration: z.number().int().positive() }).strict()
export const TextDeltaSchema = z
  .object({ iteration: z.number().int().positive(), delta: z.string() })
  .strict()
export const ToolCallStartSchema = z
  .object({
    callId: z.string(),
    name: z.string(),
    /** The model's raw JSON arguments, with anything that looks like a secret seed redacted. */
    arguments: z.string(),
  })
  .strict()
export const ToolResultEventSchema = z
  .object({ callId: z.string(), name: z.string(), durationMs: z.number().nonnegative(), data: z.unknown() })
  .strict()
export const ToolErrorEventSchema = z
  .object({
    callId: z.string(),
    name: z.string(),
    durationMs: z.number().nonnegative(),
    code: ErrorCodeSchema,
    message: z.string(),
  })
  .strict()
/** Kept loose on purpose: the approval flow (issue 6) decides what it can tell the client. */
export const ApprovalRequiredSchema = z
  .object({
    callId: z.string(),
    name: z.string(),
    message: z.string(),
    approvalId: z.string().optional(),
    txHash: z.string().optional(),
    preview: z.unknown().optional(),
    /** The signer's approval request as it sent it (typed end to end). */
    approval: ApprovalRequiredDetailsSchema.optional(),
    /** The signer's reading of the XDR it will sign (the same preview the approval record carries). */
    signerPreview: SignerPreviewSchema.optional(),
  })
  .strict()
export const AgentCompleteSchema = z
  .object({
    iterations: z.number().int().nonnegative(),
    text: z.string(),
    stopReason: z.enum(['answer', 'max_iterations', 'cancelled']),
  })
  .strict()
export const ErrorEventSchema = z.object({ code: ErrorCodeSchema, message: z.string() }).strict()
export const DoneSchema = z.object({ threadId: z.string() }).strict()

export const ChatEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('agent_start'), data: AgentStartSchema }).strict(),
  z.object({ event: z.literal('iteration_start'), data: IterationStartSchema }).strict(),
  z.object({ event: z.literal('text_delta'), data: TextDeltaSchema }).strict(),
  z.object({ event: z.literal('tool_call_start'), data: ToolCallStartSchema }).strict(),
  z.object({ event: z.literal('tool_result'), data: ToolResultEventSchema }).strict(),
  z.object({ event: z.literal('tool_error'), data: ToolErrorEventSchema }).strict(),
  z.object({ event: z.literal('approval_required'), data: ApprovalRequiredSchema }).strict(),
  z.object({ event: z.literal('agent_complete'), data: AgentCompleteSchema }).strict(),
  z.object({ event: z.literal('error'), data: ErrorEventSchema }).strict(),
  z.object({ event: z.literal('done'), data: DoneSchema }).strict(),
])
export type ChatEvent = z.infer<typeof ChatEventSchema>
export type ChatEventName = ChatEvent['event']
export type ChatEventData<N extends ChatEventName> = Extract<ChatEvent, { event: N }>['data']
