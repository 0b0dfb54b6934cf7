/** GET /api/audit: the caller's own signer audit entries, newest first (the signer scopes by user id). */
import { Hono } from 'hono'
import { AuditQuerySchema } from '../approvals/schemas.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { callerOf, requireUser } from '../middleware/session.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validation.ts'

const read = rateLimit(['read'], { failClosed: false })

export const audit = new Hono<AppEnv>().get(
  '/',
  read,
  requireUser(),
  validate('query', AuditQuerySchema),
  async (c) => {
    const { userId } = callerOf(c)
    const q = c.req.valid('query')
    const result = await c.var.services.signer('audit.list', userId, {
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      ...(q.before !== undefined ? { before: q.before } : {}),
    })
    return c.json(result)
  },
)
