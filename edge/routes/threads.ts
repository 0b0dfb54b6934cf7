/** Threads API: list, create, read, rename, delete, messages. Owner-scoped: another user's thread is a 404. */
import { Hono } from 'hono'
import { AppError } from '../../shared/errors.ts'
import {
  CreateThreadBodySchema,
  PatchThreadBodySchema,
  ThreadListQuerySchema,
  ThreadParamSchema,
} from '../../shared/schemas/threads.ts'
import { listSteps } from '../agent/money-steps.ts'
import {
  createThread,
  deleteThread,
  getThread,
  listMessages,
  listThreads,
  renameThread,
} from '../agent/thread-store.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { callerOf, requireUser } from '../middleware/session.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validation.ts'

const read = rateLimit(['read'], { failClosed: false })
const notFound = () => new AppError('ERR_NOT_FOUND', 'no such thread')

export const threads = new Hono<AppEnv>()
  .use(read, requireUser())
  .get('/', validate('query', ThreadListQuerySchema), async (c) => {
    const { userId } = callerOf(c)
    return c.json({ threads: await listThreads(c.env.DB, userId, c.req.valid('query').limit) })
  })
  .post('/', validate('json', CreateThreadBodySchema), async (c) => {
    const { userId } = callerOf(c)
    const thread = await createThread(c.env.DB, userId, c.req.valid('json').title ?? 'New chat', c.var.now())
    return c.json(thread, 201)
  })
  .get('/:id', validate('param', ThreadParamSchema), async (c) => {
    const thread = await getThread(c.env.DB, callerOf(c).userId, c.req.valid('param').id)
    if (!thread) throw notFound()
    return c.json(thread)
  })
  .patch('/:id', validate('param', ThreadParamSchema), validate('json', PatchThreadBodySchema), async (c) => {
    const { userId } = callerOf(c)
    const thread = await renameThread(
      c.env.DB,
      userId,
      c.req.valid('param').id,
      c.req.valid('json').title,
      c.var.now(),
    )
    if (!thread) throw notFound()
    return c.json(thread)
  })
  .delete('/:id', validate('param', ThreadParamSchema), async (c) => {
    const id = c.req.valid('param').id
    if (!(await deleteThread(c.env.DB, callerOf(c).userId, id))) throw notFound()
    return c.json({ id, deleted: true })
  })
  .get('/:id/messages', validate('param', ThreadParamSchema), async (c) => {
    const { userId } = callerOf(c)
    const id = c.req.valid('param').id
    if (!(await getThread(c.env.DB, userId, id))) throw notFound()
    const [messages, moneySteps] = await Promise.all([
      listMessages(c.env.DB, userId, id),
      listSteps(c.env.DB, userId, id),
    ])
    return c.json({ threadId: id, messages, moneySteps })
  })
