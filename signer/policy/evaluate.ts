/**
 * The spending policy: the one place that decides whether a structurally valid transaction may be signed.
 * Pure: the decoded transaction, the account and `now` come in; a decision goes out.
 *
 * Today it allows everything that passed tx/check.ts. Issue 6 (spending policy) fills this in: per-tx and
 * daily caps, allowed operations, destinations, time bounds and fees, each denial with its ERR_POLICY_* code.
 */
import type { Result } from '../../shared/result.ts'
import { ok } from '../../shared/result.ts'
import type { DecodedTx } from '../tx/check.ts'

export type PolicyInput = {
  readonly decoded: DecodedTx
  readonly account: {
    readonly accountId: string
    readonly publicKey: string
    readonly kind: 'user' | 'agent'
  }
  readonly now: Date
}

export function evaluatePolicy(_input: PolicyInput): Result<void> {
  return ok(undefined)
}
