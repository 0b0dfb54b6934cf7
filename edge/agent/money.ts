/**
 * Tools move money only through here, and this is only an adapter: it calls the one money path
 * (edge/money/: prepare → preview → sign → submit) and turns its outcome into a tool result. A refusal
 * keeps the signer's typed approval details (`approval`), which the loop streams as `approval_required`.
 */
import type { xdr } from '@stellar/stellar-sdk/base'
import type { Result } from '../../shared/result.ts'
import type { Account } from '../../shared/schemas/signer-rpc.ts'
import { move } from '../money/move.ts'
import { prepareClassic, prepareContractCall } from '../money/prepare.ts'
import type { Intent, MoveOutcome, Prepared } from '../money/types.ts'
import { fail, ok, type ToolContext, type ToolResult } from './define-tool.ts'

export type ClassicRequest = {
  readonly account: Account
  readonly operations: readonly xdr.Operation[]
  readonly description: string
  readonly memo?: string | null
}

export type ContractRequest = {
  readonly account: Account
  readonly operation: xdr.Operation
  readonly description: string
  /** What leaves, into which pool or vault, what comes back; null for a raw contract call. */
  readonly intent: Intent | null
}

export async function submitClassic(ctx: ToolContext, req: ClassicRequest): Promise<ToolResult> {
  const prepared = await prepareClassic(ctx, ctx.network, {
    source: req.account.publicKey,
    operations: req.operations,
    memo: req.memo ?? null,
  })
  return moveWith(ctx, req.account, req.description, prepared)
}

export async function submitContractCall(ctx: ToolContext, req: ContractRequest): Promise<ToolResult> {
  const prepared = await prepareContractCall(ctx, ctx.network, {
    source: req.account.publicKey,
    operation: req.operation,
    intent: req.intent,
  })
  return moveWith(ctx, req.account, req.description, prepared)
}

async function moveWith(
  ctx: ToolContext,
  account: Account,
  description: string,
  prepared: Result<Prepared>,
): Promise<ToolResult> {
  // Simulation said no: nothing was signed; the model hears why.
  if (!prepared.ok) return fail(prepared.error.code, prepared.error.message, { description })
  if (ctx.mode !== 'external' && ctx.userId === undefined)
    return fail('ERR_AUTH_REQUIRED', 'sign in to move money')
  const outcome = await move(ctx, {
    network: ctx.network,
    mode: ctx.mode,
    userId: ctx.userId,
    accountId: account.accountId,
    prepared: prepared.value,
    signal: ctx.signal,
  })
  return toolResultOf(outcome, description)
}

export function toolResultOf(outcome: MoveOutcome, description: string): ToolResult {
  switch (outcome.status) {
    case 'unsigned':
      return ok({
        unsignedXdr: outcome.unsignedXdr,
        networkPassphrase: outcome.networkPassphrase,
        description,
        preview: outcome.preview,
        submitTo: outcome.submitTo,
      })
    case 'submitted':
      return ok({
        hash: outcome.hash,
        ledger: outcome.ledger,
        fee: outcome.fee,
        description,
        preview: outcome.preview,
        ...(outcome.result !== undefined ? { result: outcome.result } : {}),
      })
    case 'refused':
      return {
        ok: false,
        code: outcome.code,
        message: outcome.message,
        details: { txHash: outcome.txHash, description, preview: outcome.preview },
        ...(outcome.approval ? { approval: outcome.approval } : {}),
      }
  }
}
