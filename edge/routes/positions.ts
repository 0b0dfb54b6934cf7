/**
 * GET /api/accounts/:id/positions — the account's DeFi positions (Blend, DeFindex). The account is looked
 * up through the signer scoped by the signed-in user, so another user's id answers like a missing one;
 * protocol state is read from Soroban RPC, nothing is signed. Docs: edge/defi/route-docs.ts.
 */
import { Hono } from 'hono'
import { AccountIdParamSchema } from '../../shared/schemas/api.ts'
import { accountPositions } from '../defi/positions.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { callerOf, requireUser } from '../middleware/session.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validation.ts'

const read = rateLimit(['read'], { failClosed: false })

export const positions = new Hono<AppEnv>().get(
  '/:id/positions',
  read,
  requireUser(),
  validate('param', AccountIdParamSchema),
  async (c) => {
    const { userId } = callerOf(c)
    const { signer, soroban } = c.var.services
    const account = await signer('accounts.get', userId, {
      accountId: c.req.valid('param').id,
    })
    const network = c.var.config.network
    const view = await accountPositions(
      { rpc: soroban, network, now: () => BigInt(Math.floor(c.var.now() / 1000)) },
      { accountId: account.accountId, publicKey: account.publicKey },
    )
    return c.json(view)
  },
)
