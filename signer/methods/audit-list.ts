/** audit.list: the caller's own audit entries, newest first. */
import type { ErrorCode } from '../../shared/errors.ts'
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { done, type MethodContext, type Outcome } from './context.ts'

export async function auditList(
  ctx: MethodContext,
  params: SignerParams<'audit.list'>,
): Promise<Outcome<SignerResult<'audit.list'>>> {
  const rows = await ctx.tx.audit.listForUser(
    ctx.userId,
    params.before ?? Number.MAX_SAFE_INTEGER,
    params.limit ?? 100,
  )
  return done({
    entries: rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      requestId: r.request_id,
      method: r.method,
      accountId: r.account_id,
      txHash: r.tx_hash,
      decision: r.decision,
      reasonCode: r.reason_code as ErrorCode | null,
      reason: r.reason ?? null,
    })),
  })
}
