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
