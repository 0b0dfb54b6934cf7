/**
 * tx.sign: decode and check the envelope, check the approval (if any), ask the policy with today's
 * spending, then open the seed for exactly one signature and record the spending. All of it runs inside
 * the dispatcher's SQLite transaction (with the audit entry and the idempotency record), so the day's
 * total read here cannot change before the new spending is written: concurrent requests cannot together
 * pass a cap, and a crash leaves either everything or nothing.
 * The checks run before decryption, so a refused transaction never has its key decrypted.
 */
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { amountsJson, approvalProblem } from '../approvals/check.ts'
import type { ApprovalRow } from '../approvals/store.ts'
import { utcDay } from '../keystore/spending.ts'
import { effectivePolicy } from '../policy/config.ts'
import { evaluatePolicy, type Spend } from '../policy/evaluate.ts'
import { decodeAndCheck } from '../tx/check.ts'
import { signDecoded } from '../tx/sign.ts'
import { ACCOUNT_NOT_FOUND, done, type MethodContext, type Outcome, refused } from './context.ts'

export function txSign(
  ctx: MethodContext,
  params: SignerParams<'tx.sign'>,
): Outcome<SignerResult<'tx.sign'>> {
  const row = ctx.accounts.get(ctx.userId, params.accountId)
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
    approval = ctx.approvals.get(ctx.userId, params.approvalId)
    const problem = approvalProblem(approval, row.id, hash, nowMs)
    if (problem) return refused(problem, row.id, hash)
  }
  const policy = effectivePolicy(ctx.policy, ctx.userPolicies.get(ctx.userId), row.id)
  const day = utcDay(ctx.now)
  // This exact transaction was signed (and counted) before: the network runs it at most once.
  const counted = ctx.spending.alreadyCounted(ctx.userId, hash)
  const exempt = approval !== undefined && approval.counts_daily === 0
  const decision = evaluatePolicy(
    policy,
    decoded.value.tx,
    {
      signer: row.public_key,
      spentToday: counted || exempt ? new Map() : ctx.spending.spentOn(ctx.userId, day),
      approved: approval !== undefined,
      // Where Soroban proceeds may go: this user's accounts only (the query is scoped by user id).
      ownAccounts: new Set(ctx.accounts.list(ctx.userId).map((a) => a.public_key)),
    },
    ctx.now,
  )
  if (decision.verdict === 'deny') {
    return refused({ code: decision.code, message: decision.message }, row.id, hash)
  }
  if (decision.verdict === 'approval') {
    return refused(askApproval(ctx, row.id, params.xdr, hash, decision.spend, decision.message), row.id, hash)
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
  if (approval && !ctx.approvals.use(ctx.userId, approval.id, nowMs)) {
    return refused({ code: 'ERR_APPROVAL_INVALID', message: 'approval was already used' }, row.id, hash)
  }
  if (!counted) record(ctx, row.id, hash, day, decision.spend, approval)
  return done(signed, row.id, signed.hash)
}

function record(
  ctx: MethodContext,
  accountId: string,
  txHash: string,
  day: string,
  spend: Spend,
  approval: ApprovalRow | undefined,
): void {
  const at = ctx.now.toISOString()
  const lines = [...spend]
    .filter(([, stroops]) => stroops > 0n)
    .map(([asset, stroops]) => ({
      requestId: ctx.requestId,
      userId: ctx.userId,
      accountId,
      day,
      asset,
      stroops,
      txHash,
      approvalId: approval?.id ?? null,
      at,
    }))
  ctx.spending.record(lines, approval === undefined || approval.counts_daily === 1)
}

/** Reuses the pending approval for this exact transaction, or opens one; returns the ERR_APPROVAL_REQUIRED. */
function askApproval(
  ctx: MethodContext,
  accountId: string,
  xdr: string,
  txHash: string,
  spend: Spend,
  reason: string,
) {
  const nowMs = ctx.now.getTime()
  const amounts = amountsJson(spend)
  let row = ctx.approvals.pendingFor(ctx.userId, accountId, txHash, nowMs)
  if (!row) {
    row = {
      id: ctx.newId('apr'),
      user_id: ctx.userId,
      account_id: accountId,
      tx_hash: txHash,
      xdr,
      amounts: JSON.stringify(amounts),
      reason,
      status: 'pending',
      counts_daily: 1,
      created_ms: nowMs,
      expires_ms: nowMs + ctx.policy.approvalTtlSeconds * 1000,
      decided_ms: null,
      used_ms: null,
    }
    ctx.approvals.insert(row)
  }
  return {
    code: 'ERR_APPROVAL_REQUIRED' as const,
    message: 'this transaction needs the user’s approval',
    details: {
      approvalId: row.id,
      txHash,
      expiresAt: new Date(row.expires_ms).toISOString(),
      amounts,
      reason,
    },
  }
}
