/**
 * Approvals for transactions above the auto-sign threshold. The signer holds them, bound to the transaction
 * hash; the edge lists them and, for approve, first verifies a fresh passkey assertion whose challenge
 * commits to that hash (POST /:id/options, then POST /:id/approve, which also signs and submits that exact
 * transaction through the one money path: edge/money/move.ts moveApproved). A stolen session alone cannot approve:
 * it needs the user's authenticator, and the assertion is good for this one transaction only.
 */
import { Hono } from 'hono'
import { AppError } from '../../shared/errors.ts'
import { AssertionVerifyBodySchema } from '../../shared/schemas/auth.ts'
import type { Approval } from '../../shared/schemas/signer-rpc.ts'
import { ApprovalIdParamSchema, ApprovalsQuerySchema, approvalBinding } from '../approvals/schemas.ts'
import { createAssertionChallenge, verifyAssertion } from '../auth/ceremonies.ts'
import { credentialsOf } from '../auth/passkeys.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { callerOf, requireUser } from '../middleware/session.ts'
import { moveApproved } from '../money/move.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validation.ts'

const read = rateLimit(['read'], { failClosed: false })
/** Approving moves money: fail closed. */
const money = rateLimit(['money'], { failClosed: true })

const signerFor = (c: { var: AppEnv['Variables'] }) => c.var.services.signer

/** Only a pending, unexpired approval can be approved. */
function assertOpen(a: Approval): void {
  if (a.status === 'expired') throw new AppError('ERR_APPROVAL_EXPIRED', 'approval expired')
  if (a.status !== 'pending') throw new AppError('ERR_APPROVAL_INVALID', `approval is ${a.status}`)
}

export const approvals = new Hono<AppEnv>()
  .get('/', read, requireUser(), validate('query', ApprovalsQuerySchema), async (c) => {
    const { userId } = callerOf(c)
    const { limit } = c.req.valid('query')
    return c.json(await signerFor(c)('approvals.list', userId, limit ? { limit } : {}))
  })
  .get('/:id', read, requireUser(), validate('param', ApprovalIdParamSchema), async (c) => {
    const { userId } = callerOf(c)
    return c.json(await signerFor(c)('approvals.get', userId, { approvalId: c.req.valid('param').id }))
  })
  .post('/:id/options', money, requireUser(), validate('param', ApprovalIdParamSchema), async (c) => {
    const caller = callerOf(c)
    const approval = await signerFor(c)('approvals.get', caller.userId, {
      approvalId: c.req.valid('param').id,
    })
    assertOpen(approval)
    const ceremony = await createAssertionChallenge(c.env.DB, c.var.config, {
      purpose: 'approve',
      userId: caller.userId,
      sessionId: caller.sessionId,
      allow: await credentialsOf(c.env.DB, caller.userId),
      binding: approvalBinding(approval.approvalId, approval.txHash),
      payload: { approvalId: approval.approvalId, txHash: approval.txHash },
      now: c.var.now(),
    })
    return c.json({ ...ceremony, approval })
  })
  .post(
    '/:id/approve',
    money,
    requireUser(),
    validate('param', ApprovalIdParamSchema),
    validate('json', AssertionVerifyBodySchema),
    async (c) => {
      const caller = callerOf(c)
      const approvalId = c.req.valid('param').id
      const { challengeId, response } = c.req.valid('json')
      const verified = await verifyAssertion(c.env.DB, c.var.config, {
        challengeId,
        purpose: 'approve',
        response,
        expect: { userId: caller.userId, sessionId: caller.sessionId },
        now: c.var.now(),
      })
      const signer = signerFor(c)
      const approval = await signer('approvals.get', caller.userId, { approvalId })
      // The assertion must have been made for this approval and this exact transaction hash.
      if (
        verified.data.payload.approvalId !== approvalId ||
        verified.data.payload.txHash !== approval.txHash
      ) {
        throw new AppError(
          'ERR_AUTH_INVALID',
          'passkey verification failed',
          'assertion for another approval',
        )
      }
      const decided = await signer('approvals.approve', caller.userId, { approvalId })
      const executed = await moveApproved(
        c.var.services,
        c.var.config.network,
        caller.userId,
        approval,
        c.req.raw.signal,
      )
      return c.json({ ...decided, ...executed })
    },
  )
  .post('/:id/reject', money, requireUser(), validate('param', ApprovalIdParamSchema), async (c) => {
    const { userId } = callerOf(c)
    // Refusing is always safe: no passkey needed.
    return c.json(await signerFor(c)('approvals.reject', userId, { approvalId: c.req.valid('param').id }))
  })
