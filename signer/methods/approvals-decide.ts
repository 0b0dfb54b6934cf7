/**
 * approvals.approve / approvals.reject. Approve needs the user's own proof, verified here: a passkey
 * assertion over a signer challenge that commits to this approval id, its account and its transaction hash
 * (the edge's word is not enough: a compromised edge must not approve). Reject needs none (refusing is
 * always safe). The signer decides what state moves are legal: pending → approved (unexpired),
 * pending|approved → rejected.
 */
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { toApproval } from '../approvals/check.ts'
import { proveOperation } from '../user-proof/consume.ts'
import { APPROVAL_NOT_FOUND } from './approvals-read.ts'
import { done, type MethodContext, type Outcome, refused } from './context.ts'

export async function approvalsApprove(
  ctx: MethodContext,
  params: SignerParams<'approvals.approve'>,
): Promise<Outcome<SignerResult<'approvals.approve'>>> {
  const nowMs = ctx.now.getTime()
  const row = await ctx.tx.approvals.get(ctx.userId, params.approvalId)
  if (!row) return refused(APPROVAL_NOT_FOUND)
  if (row.expires_ms <= nowMs) {
    return refused({ code: 'ERR_APPROVAL_EXPIRED', message: 'approval expired' }, row.account_id, row.tx_hash)
  }
  // Checked before the proof is spent, so a refusal for state changes nothing.
  if (row.status !== 'pending') {
    return refused(
      { code: 'ERR_APPROVAL_INVALID', message: `approval is ${row.status}, not pending` },
      row.account_id,
      row.tx_hash,
    )
  }
  const refusal = await proveOperation(
    ctx,
    { method: 'approvals.approve', approvalId: row.id },
    { approval: { accountId: row.account_id, txHash: row.tx_hash } },
  )
  if (refusal) return refused(refusal, row.account_id, row.tx_hash)
  if (!(await ctx.tx.approvals.decide(ctx.userId, row.id, 'pending', 'approved', nowMs))) {
    return refused(
      { code: 'ERR_APPROVAL_INVALID', message: `approval is ${row.status}, not pending` },
      row.account_id,
      row.tx_hash,
    )
  }
  return decided(ctx, row.id, nowMs)
}

export async function approvalsReject(
  ctx: MethodContext,
  params: SignerParams<'approvals.reject'>,
): Promise<Outcome<SignerResult<'approvals.reject'>>> {
  const nowMs = ctx.now.getTime()
  const row = await ctx.tx.approvals.get(ctx.userId, params.approvalId)
  if (!row) return refused(APPROVAL_NOT_FOUND)
  const moved =
    (await ctx.tx.approvals.decide(ctx.userId, row.id, 'pending', 'rejected', nowMs)) ||
    (await ctx.tx.approvals.decide(ctx.userId, row.id, 'approved', 'rejected', nowMs))
  if (!moved) {
    return refused(
      { code: 'ERR_APPROVAL_INVALID', message: `approval is ${row.status}` },
      row.account_id,
      row.tx_hash,
    )
  }
  return decided(ctx, row.id, nowMs)
}

async function decided(
  ctx: MethodContext,
  id: string,
  nowMs: number,
): Promise<Outcome<SignerResult<'approvals.approve'>>> {
  const row = await ctx.tx.approvals.get(ctx.userId, id)
  if (!row) return refused(APPROVAL_NOT_FOUND)
  return done(toApproval(row, nowMs), row.account_id, row.tx_hash)
}
