/** OpenAPI entries for the chat and threads routes (spread into ROUTE_DOCS in edge/openapi.ts). */
import { z } from 'zod'
import {
  ChatBodySchema,
  CreateThreadBodySchema,
  MoneyStepSchema,
  PatchThreadBodySchema,
  ThreadListQuerySchema,
  ThreadParamSchema,
} from '../../shared/schemas/threads.ts'

const Thread = z.object({ id: z.string(), title: z.string(), createdAt: z.string(), updatedAt: z.string() })
const Message = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant', 'tool']),
  content: z.unknown(),
  createdAt: z.string(),
})

type Doc = {
  readonly method: 'get' | 'post' | 'patch' | 'delete'
  readonly path: string
  readonly summary: string
  readonly auth: 'none' | 'session'
  readonly body?: z.ZodType
  readonly params?: z.ZodObject
  readonly query?: z.ZodObject
  readonly response?: z.ZodType
  readonly tag: string
}

export const CHAT_DOCS: Doc[] = [
  {
    method: 'post',
    path: '/chat',
    summary:
      'Talk to the agent. Answers text/event-stream: agent_start, iteration_start, text_delta, tool_call_start, ' +
      'tool_result, tool_error, approval_required, agent_complete, error, done (payloads: shared/schemas/chat-events.ts). ' +
      'Signed out: read-only tools only and no thread.',
    auth: 'none',
    body: ChatBodySchema,
    tag: 'chat',
  },
  {
    method: 'get',
    path: '/api/threads',
    summary: 'Your threads, most recent first',
    auth: 'session',
    query: ThreadListQuerySchema,
    response: z.object({ threads: z.array(Thread) }),
    tag: 'threads',
  },
  {
    method: 'post',
    path: '/api/threads',
    summary: 'Create a thread',
    auth: 'session',
    body: CreateThreadBodySchema,
    response: Thread,
    tag: 'threads',
  },
  {
    method: 'get',
    path: '/api/threads/{id}',
    summary: 'One thread',
    auth: 'session',
    params: ThreadParamSchema,
    response: Thread,
    tag: 'threads',
  },
  {
    method: 'patch',
    path: '/api/threads/{id}',
    summary: 'Rename a thread',
    auth: 'session',
    params: ThreadParamSchema,
    body: PatchThreadBodySchema,
    response: Thread,
    tag: 'threads',
  },
  {
    method: 'delete',
    path: '/api/threads/{id}',
    summary: 'Delete a thread and its messages',
    auth: 'session',
    params: ThreadParamSchema,
    response: z.object({ id: z.string(), deleted: z.literal(true) }),
    tag: 'threads',
  },
  {
    method: 'get',
    path: '/api/threads/{id}/messages',
    summary:
      'The stored messages of a thread (user, assistant tool calls, tool results, answers) and the state of ' +
      'each money step (pending, approved, rejected, expired, submitted with hash and ledger)',
    auth: 'session',
    params: ThreadParamSchema,
    response: z.object({
      threadId: z.string(),
      messages: z.array(Message),
      moneySteps: z.array(MoneyStepSchema),
    }),
    tag: 'threads',
  },
]
