/**
 * tx.sign: decode and check the envelope, check the approval (if any), ask the policy with the rolling
 * 24 hours' spending and fees, then open the seed for exactly one signature and record the spending and
 * the fee. All of it runs inside the request's store transaction (with the audit entry and the
 * idempotency record), serialised per user, so the totals read here cannot change before the new lines are
 * written (and are MAC-checked: a lowered total is a refusal, not a pass): concurrent
 * requests cannot together pass a cap or the fee budget, and a crash leaves either everything or nothing.
 * The checks run before decryption, so a refused transaction never has its key decrypted, and a refusal
 * writes no ledger line (only its audit entry with the reason code).
 */
import type { Failure } from '../../shared/result.ts'
import type {
  ApprovalRequiredDetails,
  SignerParams,
  SignerPreview,
  SignerResult,
} from '../../shared/schemas/signer-rpc.ts'
import { amountsJson, approvalProblem } from '../approvals/check.ts'
import { effectivePolicy } from '../policy/config.ts'
import { evaluatePolicy, type Spend } from '../policy/evaluate.ts'
import { buildPreview } from '../policy/preview.ts'
import { sorobanContext } from '../policy/soroban.ts'
import { readUserPolicy } from '../policy/store.ts'
import { FEE_LEDGER_KEY, utcDay } from '../store/ledger.ts'
import type { ApprovalRow, NewSpendingLine } from '../store/types.ts'
import { decodeAndCheck } from '../tx/check.ts'
import { signDecoded } from '../tx/sign.ts'
import { ACCOUNT_NOT_FOUND, done, type MethodContext, type Outcome, refused } from './context.ts'

export async function txSign(
  ctx: MethodContext,
  params: SignerParams<'tx.sign'>,
): Promise<Outcome<SignerResult<'tx.sign'>>> {
  const row = await ctx.tx.accounts.get(ctx.userId, params.accountId)
  if (!row) return refused(ACCOUNT_NOT_FOUND, params.accountId)
  const decoded = decodeAndCheck({
    xdr: params.xdr,
    publicKey: row.public_key,
    networkPassphrase: ctx.networkPassphrase,
    claimedPassphrase: params.networkPassphrase,
  })
  if (!decoded.ok) return refused(decoded.error, row.id)
  const hash = Buffer.from(decoded.value.hash).toString('hex')
  const nowMs = ctx.now.getTime()

  let approval: ApprovalRow | undefined
  if (params.approvalId !== undefined) {
    approval = await ctx.tx.approvals.get(ctx.userId, params.approvalId)
    const problem = approvalProblem(approval, row.id, hash, nowMs)
    if (problem) return refused(problem, row.id, hash)
  }
  const policy = effectivePolicy(ctx.policy, await readUserPolicy(ctx.tx, ctx.userId), row.id)
  // This exact transaction was signed (and counted) before: the network runs it at most once.
  const counted = await ctx.tx.spending.alreadyCounted(ctx.userId, hash)
  const exempt = approval !== undefined && approval.counts_daily === 0
  const window = counted
    ? new Map<string, bigint>()
    : await ctx.tx.spending.spentInWindow(ctx.userId, ctx.now)
  const feesSpent = window.get(FEE_LEDGER_KEY) ?? 0n
  window.delete(FEE_LEDGER_KEY)
  // Where Soroban proceeds may go: this user's accounts only (the query is scoped by user id).
  const ownAccounts = new Set((await ctx.tx.accounts.list(ctx.userId)).map((a) => a.public_key))
  const decision = evaluatePolicy(
    policy,
    decoded.value.tx,
    {
      signer: row.public_key,
      spentToday: exempt ? new Map() : window,
      // Fees always count, exempt or not: they leave the account whatever the approval says.
      feesSpent,
      approved: approval !== undefined,
      ownAccounts,
    },
    ctx.now,
  )
  if (decision.verdict === 'deny') {
    return refused({ code: decision.code, message: decision.message }, row.id, hash)
  }
  if (decision.verdict === 'approval') {
    const preview = buildPreview(decoded.value.tx, {
      signer: row.public_key,
      tokenContracts: policy.tokenContracts,
      soroban: sorobanContext(policy, row.public_key, ownAccounts, ctx.now),
    })
    const asked = await askApproval(ctx, row.id, params.xdr, hash, decision.spend, decision.message, preview)
    return refused(asked, row.id, hash)
  }

  const opened = ctx.keyring.open(
    { userId: ctx.userId, accountId: row.id, publicKey: row.public_key },
    row.ciphertext,
  )
  if (!opened.ok) return refused(opened.error, row.id, hash)
  const seed = opened.value
  let signed: { signedXdr: string; hash: string }
  try {
    signed = signDecoded(decoded.value, row.public_key, seed)
  } finally {
    seed.fill(0)
  }
  // Single use: the status guard in the UPDATE refuses a second consumer even if one slipped past the check.
  if (approval && !(await ctx.tx.approvals.use(ctx.userId, approval.id, nowMs))) {
    return refused({ code: 'ERR_APPROVAL_INVALID', message: 'approval was already used' }, row.id, hash)
  }
  if (!counted) await record(ctx, row.id, hash, decision.spend, decision.fee, approval)
  return done(signed, row.id, signed.hash)
}

/** The spend lines and the fee line (the fee budget's reservation), in the same transaction as the decision. */
async function record(
  ctx: MethodContext,
  accountId: string,
  txHash: string,
  spend: Spend,
  fee: bigint,
  approval: ApprovalRow | undefined,
): Promise<void> {
  const counts = approval === undefined || approval.counts_daily === 1
  const line = (asset: string, stroops: bigint, countsAgainstCaps: boolean): NewSpendingLine => ({
    requestId: ctx.requestId,
    userId: ctx.userId,
    accountId,
    day: utcDay(ctx.now),
    asset,
    stroops,
    txHash,
    approvalId: approval?.id ?? null,
    at: ctx.now.toISOString(),
    counts: countsAgainstCaps,
  })
  const lines = [...spend]
    .filter(([, stroops]) => stroops > 0n)
    .map(([a, stroops]) => line(a, stroops, counts))
  if (fee > 0n) lines.push(line(FEE_LEDGER_KEY, fee, true))
  await ctx.tx.spending.record(lines)
}

type ApprovalRequired = {
  readonly code: 'ERR_APPROVAL_REQUIRED'
  readonly message: string
  readonly details: ApprovalRequiredDetails
}

/**
 * Reuses the pending approval for this exact transaction, or opens one with the signer's preview; returns
 * the ERR_APPROVAL_REQUIRED (or ERR_APPROVAL_QUOTA when too many are already waiting).
 */
async function askApproval(
  ctx: MethodContext,
  accountId: string,
  xdr: string,
  txHash: string,
  spend: Spend,
  reason: string,
  preview: SignerPreview,
): Promise<Failure | ApprovalRequired> {
  const nowMs = ctx.now.getTime()
  const amounts = amountsJson(spend)
  let row = await ctx.tx.approvals.pendingFor(ctx.userId, accountId, txHash, nowMs)
  if (!row) {
    // A flood of approval requests would bury the one that matters and fill the database.
    if ((await ctx.tx.approvals.pendingCount(ctx.userId, nowMs)) >= ctx.policy.maxPendingApprovalsPerUser) {
      return {
        code: 'ERR_APPROVAL_QUOTA',
        message: `at most ${ctx.policy.maxPendingApprovalsPerUser} approvals may wait for a decision; decide some first`,
      }
    }
    row = {
      id: ctx.newId('apr'),
      user_id: ctx.userId,
      account_id: accountId,
      tx_hash: txHash,
      xdr,
      amounts: JSON.stringify(amounts),
      reason,
      preview: JSON.stringify(preview),
      status: 'pending',
      counts_daily: 1,
      created_ms: nowMs,
      expires_ms: nowMs + ctx.policy.approvalTtlSeconds * 1000,
      decided_ms: null,
      used_ms: null,
    }
    await ctx.tx.approvals.insert(row)
  }
  return {
    code: 'ERR_APPROVAL_REQUIRED',
    message: 'this transaction needs the user’s approval',
    details: {
      approvalId: row.id,
      txHash,
      expiresAt: new Date(row.expires_ms).toISOString(),
      amounts,
      reason,
      preview,
    },
  }
}
