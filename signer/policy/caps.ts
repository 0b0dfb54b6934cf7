/**
 * Caps mean what they say: per asset, up to `approvalAbove` signs automatically, above it and up to `perTx`
 * only with a human approval, above `perTx` never, and never past the daily cap over the rolling 24 hours
 * (an approval lifts neither). Pure: (limits, this transaction's spend, what was spent) → verdict.
 *
 * Threat: a prompt-injected agent, or a user tricked into tapping "approve", moving more than the
 * deployment allows. An approval only ever opens the band between approvalAbove and perTx.
 */
import type { ErrorCode } from '../../shared/errors.ts'
import { fromStroops } from '../../shared/schemas/money.ts'
import type { AssetLimit } from './config.ts'

export type CapVerdict =
  | { readonly kind: 'ok'; readonly needsApproval: string | undefined }
  | { readonly kind: 'deny'; readonly code: ErrorCode; readonly message: string }

const deny = (code: ErrorCode, message: string): CapVerdict => ({ kind: 'deny', code, message })

export function checkCaps(
  assets: ReadonlyMap<string, AssetLimit>,
  spend: ReadonlyMap<string, bigint>,
  spent: ReadonlyMap<string, bigint>,
): CapVerdict {
  let needsApproval: string | undefined
  for (const [asset, amount] of spend) {
    if (amount === 0n) continue
    const limit = assets.get(asset)
    if (!limit) return deny('ERR_POLICY_TX_CAP', `no spending limit is configured for ${asset}`)
    if (amount > limit.perTx) {
      return deny('ERR_POLICY_TX_CAP', `${fromStroops(amount)} exceeds the per-transaction cap`)
    }
    const before = spent.get(asset) ?? 0n
    if (before + amount > limit.daily) {
      return deny('ERR_POLICY_DAILY_CAP', `${fromStroops(amount)} would exceed the 24-hour allowance`)
    }
    if (limit.approvalAbove !== null && amount > limit.approvalAbove) {
      needsApproval ??= `${fromStroops(amount)} of ${asset} is above the approval threshold`
    }
  }
  return { kind: 'ok', needsApproval }
}
