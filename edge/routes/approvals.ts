/**
 * Approvals for transactions above the auto-sign threshold. The signer holds them, bound to the transaction
 * hash. POST /:id/options asks the signer for a challenge that commits to this approval, its account and its
 * hash (user.challenge); POST /:id/approve verifies the assertion here (session, credential) and relays it
 * to the signer, which verifies it again itself before it approves, then signs and submits that exact
 * transaction through the one money path (edge/money/move.ts moveApproved). A stolen session cannot approve, and neither can this Worker:
 * it needs the user's authenticator, and the assertion is good for this one transaction only.
 */
import { TransactionBuilder } from '@stellar/stellar-sdk/base'
import { type Context, Hono } from 'hono'
import { AppError } from '../../shared/errors.ts'
import { AssertionVerifyBodySchema } from '../../shared/schemas/auth.ts'
import type { Approval } from '../../shared/schemas/signer-rpc.ts'
import { markApprovalStep, type StepUpdate } from '../agent/money-steps.ts'
import { ApprovalIdParamSchema, ApprovalsQuerySchema, approvalBinding } from '../approvals/schemas.ts'
import { createAssertionChallenge, verifyAssertion } from '../auth/ceremonies.ts'
import { credentialsOf } from '../auth/passkeys.ts'
import type { Config } from '../config.ts'
import { log } from '../errors.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { callerOf, requireUser } from '../middleware/session.ts'
import { moveApproved } from '../money/move.ts'
import type { Horizon } from '../stellar/horizon.ts'
import { simulateClassic } from '../stellar/simulate.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validation.ts'

const read = rateLimit(['read'], { failClosed: false })
/** Approving moves money: fail closed. */
const money = rateLimit(['money'], { failClosed: true })

/**
 * Keeps the thread's record of a money step in line with the decision. After money has moved, a failed
 * history write must not turn the answer into an error (the user would retry a spent approval): it is logged.
 */
const recordDecision = (c: Context<AppEnv>, userId: string, approvalId: string, update: StepUpdate) =>
  markApprovalStep(c.env.DB, userId, approvalId, update, c.var.now()).catch((e: unknown) =>
    log('error', c, 'ERR_INTERNAL', `money step: ${e instanceof Error ? e.message : 'throw'}`),
  )

/**
 * A pending approval shown to a person carries what it will do now (legs with full destinations, fee,
 * what the source keeps), simulated against the ledger from the signer's own XDR. Display only: approve
 * simulates again before signing, and a transaction that no longer decodes or simulates just has none.
 */
async function withSimulation(a: Approval, network: Config['network'], horizon: Horizon) {
  if (a.status !== 'pending') return a
  try {
    const tx = TransactionBuilder.fromXDR(a.xdr, network.passphrase)
    const inner = 'innerTransaction' in tx ? tx.innerTransaction : tx
    if (inner.operations.some((op) => op.type === 'invokeHostFunction')) return a
    const simulated = await simulateClassic(horizon, tx)
    return simulated.ok ? { ...a, simulation: simulated.value } : a
  } catch {
    return a
  }
}

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
    const { approvals: list } = await signerFor(c)('approvals.list', userId, limit ? { limit } : {})
    return c.json({
      approvals: await Promise.all(
        list.map((a) => withSimulation(a, c.var.config.network, c.var.services.horizon)),
      ),
    })
  })
  .get('/:id', read, requireUser(), validate('param', ApprovalIdParamSchema), async (c) => {
    const { userId } = callerOf(c)
    const approval = await signerFor(c)('approvals.get', userId, { approvalId: c.req.valid('param').id })
    // The signer decides expiry; the thread's record of the step follows when someone looks.
    if (approval.status === 'expired')
      await recordDecision(c, userId, approval.approvalId, { status: 'expired' })
    return c.json(await withSimulation(approval, c.var.config.network, c.var.services.horizon))
  })
  .post('/:id/options', money, requireUser(), validate('param', ApprovalIdParamSchema), async (c) => {
    const caller = callerOf(c)
    const approval = await signerFor(c)('approvals.get', caller.userId, {
      approvalId: c.req.valid('param').id,
    })
    assertOpen(approval)
    const issued = await signerFor(c)('user.challenge', caller.userId, {
      operation: { method: 'approvals.approve', approvalId: approval.approvalId },
    })
    const ceremony = await createAssertionChallenge(c.env.DB, c.var.config, {
      purpose: 'approve',
      userId: caller.userId,
      sessionId: caller.sessionId,
      allow: await credentialsOf(c.env.DB, caller.userId),
      binding: approvalBinding(approval.approvalId, approval.txHash),
      payload: { approvalId: approval.approvalId, txHash: approval.txHash },
      signerChallenge: issued.challenge,
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
      const decided = await signer('approvals.approve', caller.userId, {
        approvalId,
        proof: { assertion: response },
      })
      await recordDecision(c, caller.userId, approvalId, { status: 'approved' })
      const executed = await moveApproved(
        c.var.services,
        c.var.config.network,
        caller.userId,
        approval,
        c.req.raw.signal,
      )
      // The thread's record of this step: sent, in which ledger (what a reopened thread shows).
      await recordDecision(c, caller.userId, approvalId, {
        status: 'submitted',
        txHash: executed.hash,
        ledger: executed.ledger,
        fee: executed.fee,
      })
      return c.json({ ...decided, ...executed })
    },
  )
  .post('/:id/reject', money, requireUser(), validate('param', ApprovalIdParamSchema), async (c) => {
    const { userId } = callerOf(c)
    const approvalId = c.req.valid('param').id
    // Refusing is always safe: no passkey needed.
    const rejected = await signerFor(c)('approvals.reject', userId, { approvalId })
    await recordDecision(c, userId, approvalId, { status: 'rejected' })
    return c.json(rejected)
  })
