/**
 * External-wallet mode's second half: the user signed in their own wallet; the envelope must verify for our
 * network, then it is submitted through the one money path (edge/money/move.ts), Horizon or Soroban RPC.
 */
import { Hono } from 'hono'
import { SubmitSignedBodySchema } from '../../shared/schemas/api.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { requireUser } from '../middleware/session.ts'
import { submitWalletSigned } from '../money/move.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validation.ts'

export const transactions = new Hono<AppEnv>().post(
  '/submit-signed',
  rateLimit(['money'], { failClosed: true }),
  requireUser(),
  validate('json', SubmitSignedBodySchema),
  async (c) => {
    const { xdr } = c.req.valid('json')
    const r = await submitWalletSigned(c.var.services, c.var.config.network, xdr, c.req.raw.signal)
    return c.json({ hash: r.hash, ledger: r.ledger, ...(r.fee !== null ? { feeCharged: r.fee } : {}) })
  },
)
