/** External-wallet mode: the user signed in their own wallet; we check the envelope, then submit it. */
import { Hono } from 'hono'
import { AppError } from '../../shared/errors.ts'
import { SubmitSignedBodySchema } from '../../shared/schemas/api.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { requireUser } from '../middleware/session.ts'
import { Horizon } from '../stellar/horizon.ts'
import { checkSignedEnvelope } from '../stellar/signed-envelope.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validation.ts'

export const transactions = new Hono<AppEnv>().post(
  '/submit-signed',
  rateLimit(['money'], { failClosed: true }),
  requireUser(),
  validate('json', SubmitSignedBodySchema),
  async (c) => {
    const { xdr } = c.req.valid('json')
    const checked = checkSignedEnvelope(xdr, c.var.config.network.passphrase)
    if (!checked.ok) throw new AppError(checked.error.code, checked.error.message)
    const result = await new Horizon(c.var.config.network).submit(xdr)
    return c.json(result)
  },
)
