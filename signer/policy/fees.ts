/**
 * Fees are money. A transaction's fee leaves the fee payer's account whatever the operations do, so a
 * prompt-injected agent that cannot move a stroop through payments could still burn XLM through fees
 * (520 Soroban calls at 2 XLM each is more than a 1,000 XLM day). Two checks, both pure:
 *   - the ceiling per transaction (per operation for classic, one ceiling for Soroban; the bump adds one op);
 *   - the most this envelope can cost us, which counts against the rolling-24 h fee budget.
 * The fee field already includes a Soroban transaction's resource fee (it is part of `fee`, not beside it).
 */
import { FeeBumpTransaction, type Transaction } from '@stellar/stellar-sdk/base'
import { fromStroops } from '../../shared/schemas/money.ts'
import { baseAccountOf } from '../../shared/schemas/stellar.ts'
import type { Policy } from './config.ts'

const isSoroban = (tx: Transaction): boolean => tx.operations.some((o) => o.type === 'invokeHostFunction')

/** Why the fee is above the ceiling, or undefined. */
export function feeCeilingProblem(
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

/**
 * The most this envelope can take from the signing account in fees, in stroops. A fee bump's outer fee is
 * ours (check.ts makes us its fee source). Its inner fee counts too when the inner source is our account:
 * an inner transaction we signed could also be submitted on its own, and then we pay that fee.
 */
export function feeCharged(envelope: Transaction | FeeBumpTransaction, signer: string): bigint {
  if (!(envelope instanceof FeeBumpTransaction)) return BigInt(envelope.fee)
  const inner = envelope.innerTransaction
  const innerOurs = baseAccountOf(inner.source) === signer
  return BigInt(envelope.fee) + (innerOurs ? BigInt(inner.fee) : 0n)
}

/** Why `fee` does not fit what is left of the rolling-24 h budget, or undefined. */
export function feeBudgetProblem(fee: bigint, feesSpent: bigint, policy: Policy): string | undefined {
  if (feesSpent + fee <= policy.feeBudgetDaily) return undefined
  const left = policy.feeBudgetDaily > feesSpent ? policy.feeBudgetDaily - feesSpent : 0n
  return `a fee of ${fromStroops(fee)} XLM exceeds the ${fromStroops(left)} XLM left of the fee budget`
}
