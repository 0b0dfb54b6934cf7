/** Chat and thread bodies and views. Thread ids are opaque; history always comes from the server. */
import { z } from 'zod'
import { ChatModeSchema } from './chat-events.ts'

export const ThreadIdSchema = z.string().regex(/^thr_[A-Za-z0-9_-]{8,64}$/, 'not a thread id')
export const ThreadTitleSchema = z.string().trim().min(1).max(120)

export const ChatBodySchema = z
  .object({
    threadId: ThreadIdSchema.optional(),
    message: z.string().min(1).max(8_000),
    mode: ChatModeSchema.default('agent'),
  })
  .strict()
export type ChatBody = z.infer<typeof ChatBodySchema>

export const CreateThreadBodySchema = z.object({ title: ThreadTitleSchema.optional() }).strict()
export const PatchThreadBodySchema = z.object({ title: ThreadTitleSchema }).strict()
export const ThreadParamSchema = z.object({ id: ThreadIdSchema }).strict()
export const ThreadListQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(100).default(50) })
  .strict()

export const MessageRoleSchema = z.enum(['user', 'assistant', 'tool'])
export type MessageRole = z.infer<typeof MessageRoleSchema>

export type ThreadView = {
  readonly id: string
  readonly title: string
  readonly createdAt: string
  readonly updatedAt: string
}
export type MessageView = {
  readonly id: string
  readonly role: MessageRole
  readonly content: unknown
  readonly createdAt: string
}

/**
 * What happened to the money of one tool call in a thread (edge/agent/money-steps.ts). `submitted` carries the
 * hash and ledger; an approval step carries the signer's approval id so a client can show and act on it.
 */
export const MoneyStepStatusSchema = z.enum([
  'pending',
  'approved',
  'rejected',
  'expired',
  'submitted',
  'failed',
])
export type MoneyStepStatus = z.infer<typeof MoneyStepStatusSchema>
export const MoneyStepSchema = z
  .object({
    callId: z.string(),
    approvalId: z.string().nullable(),
    status: MoneyStepStatusSchema,
    txHash: z.string().nullable(),
    ledger: z.number().int().nullable(),
    /** The fee charged, in stroops (as Horizon reports it). */
    fee: z.string().nullable(),
    updatedAt: z.string(),
  })
  .strict()
export type MoneyStep = z.infer<typeof MoneyStepSchema>
