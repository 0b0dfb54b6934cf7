/**
 * The spending policy: the one place that decides whether a structurally valid transaction may be signed.
 * Pure: (policy, decoded transaction, state, now) → decision. No clock, no database, no randomness here;
 * tx-sign.ts reads the day's spending and the approval, and writes the ledger with the decision, in one
 * SQLite transaction.
 *
 * Order: sources → time bounds → fee → each operation → destinations → per-asset caps → approval. Hard
 * denials come before the approval question, so no one is asked to approve what could never be signed.
 * Fees are bounded by the fee ceiling, not counted against the asset caps (a 100 XLM payment must fit a
 * 100 XLM cap).
 */
import { FeeBumpTransaction, type Transaction } from '@stellar/stellar-sdk/base'
import type { ErrorCode } from '../../shared/errors.ts'
import { fromStroops } from '../../shared/schemas/money.ts'
import { baseAccountOf } from '../../shared/schemas/stellar.ts'
import type { Policy } from './config.ts'
import { effectOf, type SpendLine } from './effects.ts'

export type PolicyState = {
  /** The signing account's G… key. */
  readonly signer: string
  /** What this user already spent today (UTC), per asset key, in stroops. */
  readonly spentToday: ReadonlyMap<string, bigint>
  /** A valid human approval bound to this transaction's hash is being used. */
  readonly approved: boolean
  /**
   * Every account (G…) of this user, from the keystore: where Soroban proceeds (a pool's `to`, a swap's `to`)
   * may be paid. Absent = the signing account only.
   */
  readonly ownAccounts?: ReadonlySet<string>
}

export type Spend = ReadonlyMap<string, bigint>

export type Decision =
  | { readonly verdict: 'allow'; readonly spend: Spend }
  | { readonly verdict: 'approval'; readonly spend: Spend; readonly message: string }
  | { readonly verdict: 'deny'; readonly code: ErrorCode; readonly message: string }

const deny = (code: ErrorCode, message: string): Decision => ({ verdict: 'deny', code, message })

const isSoroban = (tx: Transaction): boolean => tx.operations.some((o) => o.type === 'invokeHostFunction')

export function evaluatePolicy(
  policy: Policy,
  envelope: Transaction | FeeBumpTransaction,
  state: PolicyState,
  now: Date,
): Decision {
  const bump = envelope instanceof FeeBumpTransaction
  const tx = bump ? envelope.innerTransaction : envelope
  // Our signature on a plain transaction also counts towards the thresholds of its source account (if our
  // key were a signer there): it must be our own account. Under a fee bump we sign the outer hash only.
  if (!bump && baseAccountOf(tx.source) !== state.signer) {
    return deny('ERR_POLICY_SOURCE', 'the transaction source is not the signing account')
  }
  const bounds = timeBoundsProblem(tx, policy, now)
  if (bounds) return deny('ERR_POLICY_TIME_BOUNDS', bounds)
  const feeProblem = feeProblemOf(envelope, tx, policy)
  if (feeProblem) return deny('ERR_POLICY_FEE', feeProblem)

  const spend = new Map<string, bigint>()
  const destinations: string[] = []
  const approvals: string[] = []
  let raw: readonly unknown[] | undefined
  const soroban = {
    owner: state.signer,
    ownAccounts: state.ownAccounts ?? new Set([state.signer]),
    tokenContracts: policy.tokenContracts,
    nowSeconds: BigInt(Math.floor(now.getTime() / 1000)),
    maxTimeAheadSeconds: policy.maxTimeAheadSeconds,
    settings: policy.soroban,
  }
  for (let i = 0; i < tx.operations.length; i++) {
    const op = tx.operations[i]
    if (!op) continue
    const source = baseAccountOf(op.source ?? tx.source)
    if (source !== state.signer) {
      // Under a fee bump, another account's inner operations are authorised by that account, not by us.
      if (bump) continue
      return deny('ERR_POLICY_SOURCE', `operation ${i} has a source other than the signing account`)
    }
    const e = effectOf(op, {
      owner: state.signer,
      tokenContracts: policy.tokenContracts,
      rawBody: () => {
        // Re-decoding the whole transaction costs tens of µs: only buy offers need the exact price.
        raw ??= tx.tx.operations
        const body = (raw[i] as { body?: unknown } | undefined)?.body
        return body as ReturnType<Parameters<typeof effectOf>[1]['rawBody']>
      },
      soroban,
    })
    if (e.kind === 'deny') return deny(e.code, `operation ${i}: ${e.message}`)
    for (const l of e.spend) add(spend, l)
    destinations.push(...e.destinations)
    for (const reason of e.approvals ?? []) approvals.push(`operation ${i} ${reason}`)
  }

  if (policy.destinations) {
    for (const d of destinations) {
      if (d !== state.signer && !policy.destinations.has(d)) {
        return deny('ERR_POLICY_DESTINATION', 'a destination is not on the allow-list')
      }
    }
  }

  let needsApproval: string | undefined
  for (const [asset, amount] of spend) {
    if (amount === 0n) continue
    const limit = policy.assets.get(asset)
    if (!limit) return deny('ERR_POLICY_TX_CAP', `no spending limit is configured for ${asset}`)
    if (amount > limit.daily) return deny('ERR_POLICY_TX_CAP', `${fromStroops(amount)} exceeds the daily cap`)
    if (limit.approvalAbove === null && amount > limit.perTx) {
      return deny('ERR_POLICY_TX_CAP', `${fromStroops(amount)} exceeds the per-transaction cap`)
    }
    const spent = state.spentToday.get(asset) ?? 0n
    if (spent + amount > limit.daily) {
      return deny('ERR_POLICY_DAILY_CAP', `${fromStroops(amount)} would exceed today's remaining allowance`)
    }
    if (limit.approvalAbove !== null && amount > limit.approvalAbove) {
      needsApproval ??= `${fromStroops(amount)} of ${asset} is above the approval threshold`
    }
  }
  // A call the signer cannot fully read needs a person whatever the amount (after every hard denial above).
  if (approvals.length > 0)
    needsApproval = [...approvals, ...(needsApproval ? [needsApproval] : [])].join('; ')
  if (needsApproval && !state.approved) return { verdict: 'approval', spend, message: needsApproval }
  return { verdict: 'allow', spend }
}

function add(spend: Map<string, bigint>, l: SpendLine): void {
  spend.set(l.asset, (spend.get(l.asset) ?? 0n) + l.amount)
}

function timeBoundsProblem(tx: Transaction, policy: Policy, now: Date): string | undefined {
  const tb = tx.timeBounds
  // Without an upper bound a signed transaction stays valid forever: whoever holds it can submit it later.
  if (!tb) return 'time bounds are required'
  const max = BigInt(tb.maxTime)
  if (max === 0n) return 'maxTime 0 (unbounded) is not allowed'
  const limit = BigInt(Math.floor(now.getTime() / 1000) + policy.maxTimeAheadSeconds)
  if (max > limit) return `maxTime is more than ${policy.maxTimeAheadSeconds} s ahead`
  return undefined
}

function feeProblemOf(
  envelope: Transaction | FeeBumpTransaction,
  inner: Transaction,
  policy: Policy,
): string | undefined {
  const ops = BigInt(inner.operations.length)
  const ceiling = isSoroban(inner) ? policy.sorobanFeeCeiling : policy.feeCeilingPerOp * ops
  if (BigInt(inner.fee) > ceiling) return `fee ${inner.fee} exceeds the ceiling ${ceiling}`
  if (envelope instanceof FeeBumpTransaction) {
    // The bump pays for the inner operations plus itself.
    const outerCeiling = ceiling + policy.feeCeilingPerOp
    if (BigInt(envelope.fee) > outerCeiling)
      return `fee-bump fee ${envelope.fee} exceeds the ceiling ${outerCeiling}`
  }
  return undefined
}
