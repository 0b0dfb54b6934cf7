/**
 * The one path by which the agent moves money: build at the edge → simulate and preview (edge/stellar/simulate.ts) →
 * the signer signs for the caller's account (with the network passphrase, so a transaction built for the
 * wrong network is refused there too) → submit to Horizon or Soroban RPC → { hash, ledger, fee }.
 * In `external` mode nothing is signed: the caller gets the unsigned XDR to sign in their own wallet.
 * Policy denials and approval requests from the signer become structured results, never thrown errors.
 */
import type { Transaction, xdr } from '@stellar/stellar-sdk/base'
import { AppError, type ErrorCode, POLICY_REFUSAL_CODES } from '../../shared/errors.ts'
import type { Account } from '../../shared/schemas/signer-rpc.ts'
import { hex } from '../lib/crypto.ts'
import { BASE_FEE_STROOPS, buildTransaction } from '../stellar/build-tx.ts'
import { type Preview, simulateClassic } from '../stellar/simulate.ts'
import { fail, ok, type ToolContext, type ToolResult } from './define-tool.ts'

/** Signer answers that become a structured tool result (the model explains them) instead of an error. */
const SIGNER_REFUSALS = new Set<ErrorCode>(POLICY_REFUSAL_CODES)

export type ClassicRequest = {
  readonly account: Account
  readonly operations: readonly xdr.Operation[]
  readonly description: string
  readonly memo?: string | null
}

/** Loads the source account, builds the classic transaction, then signs and submits it. */
export async function submitClassic(ctx: ToolContext, req: ClassicRequest): Promise<ToolResult> {
  const source = await ctx.horizon.account(req.account.publicKey)
  if (!source)
    return fail('ERR_ACCOUNT_NOT_FOUND', `account ${req.account.publicKey} is not funded on the network yet`)
  const feePerOp = await suggestedFee(ctx)
  const tx = buildTransaction({
    source,
    operations: req.operations,
    passphrase: ctx.network.passphrase,
    feePerOp,
    memo: req.memo ?? null,
  })
  return signAndSubmit(ctx, { account: req.account, tx, description: req.description, via: 'horizon' })
}

export type SignRequest = {
  readonly account: Account
  readonly tx: Transaction
  readonly description: string
  readonly via: 'horizon' | 'soroban'
}

export async function signAndSubmit(ctx: ToolContext, req: SignRequest): Promise<ToolResult> {
  const unsignedXdr = req.tx.toXDR()
  // Simulate before anyone signs: a transaction that would fail stops here with the reason, and the
  // preview (what leaves, what arrives, fee, reserve) travels with the result and any approval request.
  // Soroban transactions were simulated by the RPC when they were assembled.
  let preview: Preview | undefined
  if (req.via === 'horizon') {
    const simulated = await simulateClassic(ctx.horizon, req.tx)
    if (!simulated.ok)
      return fail(simulated.error.code, simulated.error.message, { description: req.description })
    preview = simulated.value
  }
  if (ctx.mode === 'external') {
    return ok({
      unsignedXdr,
      networkPassphrase: ctx.network.passphrase,
      description: req.description,
      ...(preview ? { preview } : {}),
      submitTo: '/api/transactions/submit-signed',
    })
  }
  const userId = ctx.userId
  if (userId === undefined) return fail('ERR_AUTH_REQUIRED', 'sign in to move money')
  let signed: { signedXdr: string; hash: string }
  try {
    signed = await ctx.signer('tx.sign', userId, {
      accountId: req.account.accountId,
      xdr: unsignedXdr,
      networkPassphrase: ctx.network.passphrase,
    })
  } catch (e) {
    if (e instanceof AppError && SIGNER_REFUSALS.has(e.code)) {
      const txHash = hex(req.tx.hash())
      const approvalId = e.details?.approvalId
      return fail(e.code, e.message, {
        txHash,
        description: req.description,
        ...(preview ? { preview } : {}),
        ...(typeof approvalId === 'string' ? { approvalId } : {}),
        ...(typeof e.details?.expiresAt === 'string' ? { expiresAt: e.details.expiresAt } : {}),
        // The signer's own reading of the XDR (what the approval card shows), next to the edge's simulation.
        ...(e.details?.preview !== undefined ? { signerPreview: e.details.preview } : {}),
      })
    }
    throw e
  }
  if (req.via === 'soroban') {
    const r = await ctx.soroban.sendAndWait(signed.signedXdr, ctx.signal)
    return ok({
      hash: r.hash,
      ledger: r.ledger,
      fee: r.fee,
      description: req.description,
      result: r.returnValue,
    })
  }
  const r = await ctx.horizon.submit(signed.signedXdr)
  return ok({
    hash: r.hash,
    ledger: r.ledger,
    fee: r.feeCharged ?? null,
    description: req.description,
    ...(preview ? { preview } : {}),
  })
}

async function suggestedFee(ctx: ToolContext): Promise<number> {
  try {
    const stats = await ctx.horizon.feeStats()
    const p50 = Number(stats.fee_charged.p50)
    // Bounded: a spiking fee market must not make the agent overpay by orders of magnitude.
    return Number.isFinite(p50) ? Math.min(Math.max(p50, BASE_FEE_STROOPS), 10_000) : BASE_FEE_STROOPS
  } catch {
    return BASE_FEE_STROOPS
  }
}
