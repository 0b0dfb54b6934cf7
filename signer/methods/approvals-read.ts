/** approvals.list and approvals.get: the caller's own approvals (scoped by user id in SQL). */
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { toApproval } from '../approvals/check.ts'
import { done, type MethodContext, type Outcome, refused } from './context.ts'

export const APPROVAL_NOT_FOUND = { code: 'ERR_NOT_FOUND', message: 'approval not found' } as const

export async function approvalsList(
  ctx: MethodContext,
  params: SignerParams<'approvals.list'>,
): Promise<Outcome<SignerResult<'approvals.list'>>> {
  const nowMs = ctx.now.getTime()
  const rows = await ctx.tx.approvals.list(ctx.userId, params.limit ?? 50)
  return done({ approvals: rows.map((r) => toApproval(r, nowMs)) })
}

export async function approvalsGet(
  ctx: MethodContext,
  params: SignerParams<'approvals.get'>,
): Promise<Outcome<SignerResult<'approvals.get'>>> {
  const row = await ctx.tx.approvals.get(ctx.userId, params.approvalId)
  if (!row) return refused(APPROVAL_NOT_FOUND)
  return done(toApproval(row, ctx.now.getTime()), row.account_id, row.tx_hash)
}
