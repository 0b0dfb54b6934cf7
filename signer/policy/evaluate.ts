/**
 * The spending policy: the one place that decides whether a structurally valid transaction may be signed.
 * Pure: (policy, decoded transaction, state, now) → decision. No clock, no database, no randomness here;
 * tx-sign.ts reads the rolling 24 hours' spending and fees and the approval, and writes the ledger with the
 * decision (spend and fee lines), in one store transaction.
 *
 * Order: sources → time bounds → fee ceiling → each operation → destinations → per-asset caps (caps.ts) →
 * fee budget (fees.ts) → approval. Hard denials come before the approval question, so no one is asked to
 * approve what could never be signed. Fees count against their own rolling-24 h budget, not against the
 * asset caps (a 100 XLM payment must fit a 100 XLM cap).
 */
import { FeeBumpTransaction, type Transaction } from '@stellar/stellar-sdk/base'
import type { ErrorCode } from '../../shared/errors.ts'
import { baseAccountOf } from '../../shared/schemas/stellar.ts'
import { checkCaps } from './caps.ts'
import type { Policy } from './config.ts'
import { effectOf, type SpendLine } from './effects.ts'
import { feeBudgetProblem, feeCeilingProblem, feeCharged } from './fees.ts'
import { sorobanContext } from './soroban.ts'

export type PolicyState = {
  /** The signing account's G… key. */
  readonly signer: string
  /** What this user spent in the rolling 24 hours before `now`, per asset key, in stroops. */
  readonly spentToday: ReadonlyMap<string, bigint>
  /** Native stroops this user paid in fees in the rolling 24 hours before `now`. */
  readonly feesSpent: bigint
  /** A valid human approval bound to this transaction's hash is being used. */
  readonly approved: boolean
  /**
   * Every account (G…) of this user, from the keystore: where Soroban proceeds (a pool's `to`, a swap's `to`)
   * may be paid. Absent = the signing account only.
   */
  readonly ownAccounts?: ReadonlySet<string>
}

export type Spend = ReadonlyMap<string, bigint>

/** `fee`: the most this envelope can cost in fees (stroops), reserved against the budget when signed. */
export type Decision =
  | { readonly verdict: 'allow'; readonly spend: Spend; readonly fee: bigint }
  | { readonly verdict: 'approval'; readonly spend: Spend; readonly fee: bigint; readonly message: string }
  | { readonly verdict: 'deny'; readonly code: ErrorCode; readonly message: string }

const deny = (code: ErrorCode, message: string): Decision => ({ verdict: 'deny', code, message })

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
  const feeProblem = feeCeilingProblem(envelope, tx, policy)
  if (feeProblem) return deny('ERR_POLICY_FEE', feeProblem)

  const spend = new Map<string, bigint>()
  const destinations: string[] = []
  let offers = 0
  const approvals: string[] = []
  let raw: readonly unknown[] | undefined
  const soroban = sorobanContext(policy, state.signer, state.ownAccounts, now)
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
    if (e.offer) offers++
    for (const reason of e.approvals ?? []) approvals.push(`operation ${i} ${reason}`)
  }

  if (policy.destinations) {
    for (const d of destinations) {
      if (d !== state.signer && !policy.destinations.has(d)) {
        return deny('ERR_POLICY_DESTINATION', 'a destination is not on the allow-list')
      }
    }
  }

  const caps = checkCaps(policy.assets, spend, state.spentToday)
  if (caps.kind === 'deny') return deny(caps.code, caps.message)
  const fee = feeCharged(envelope, state.signer)
  const budget = feeBudgetProblem(fee, state.feesSpent, policy)
  if (budget) return deny('ERR_POLICY_FEE_BUDGET', budget)

  // Under an allow-list, an offer is a way around it: whoever takes the other side is paid, at its price.
  const offerGate =
    policy.destinations && offers > 0
      ? 'this account has a destination allow-list, and an offer can pay anyone'
      : undefined
  // A call the signer cannot fully read needs a person whatever the amount (after every hard denial above).
  const reasons = [...approvals, ...[caps.needsApproval ?? offerGate].filter((r) => r !== undefined)]
  const needsApproval = reasons.length > 0 ? reasons.join('; ') : undefined
  if (needsApproval && !state.approved) return { verdict: 'approval', spend, fee, message: needsApproval }
  return { verdict: 'allow', spend, fee }
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
