/**
 * Whether an approval lets this exact transaction be signed now. Pure. The hash comparison is the binding:
 * any change to the transaction (amount, destination, sequence, fee, time bounds, memo) changes its hash,
 * and the old approval no longer fits.
 */
import type { Failure } from '../../shared/result.ts'
import { fromStroops } from '../../shared/schemas/money.ts'
import { type Approval, type SignerPreview, SignerPreviewSchema } from '../../shared/schemas/signer-rpc.ts'
import type { ApprovalRow } from '../store/types.ts'

const invalid = (message: string): Failure => ({ code: 'ERR_APPROVAL_INVALID', message })

export function approvalProblem(
  row: ApprovalRow | undefined,
  accountId: string,
  txHash: string,
  nowMs: number,
): Failure | undefined {
  // Missing and another user's look the same: the store query is scoped by user id.
  if (!row) return invalid('approval not found')
  if (row.account_id !== accountId || row.tx_hash !== txHash) {
    return invalid('approval is for another transaction')
  }
  if (row.status === 'used') return invalid('approval was already used')
  if (row.status === 'rejected') return invalid('approval was rejected')
  if (row.expires_ms <= nowMs) return { code: 'ERR_APPROVAL_EXPIRED', message: 'approval expired' }
  if (row.status === 'pending') return invalid('approval is not approved yet')
  return undefined
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** The wire view; an unfinished approval past its expiry reads as "expired". */
export function toApproval(row: ApprovalRow, nowMs: number): Approval {
  const open = row.status === 'pending' || row.status === 'approved'
  return {
    approvalId: row.id,
    accountId: row.account_id,
    txHash: row.tx_hash,
    xdr: row.xdr,
    amounts: JSON.parse(row.amounts) as Record<string, string>,
    reason: row.reason,
    preview: previewOf(row),
    status: open && row.expires_ms <= nowMs ? 'expired' : row.status,
    countsTowardDailyCap: row.counts_daily === 1,
    createdAt: new Date(row.created_ms).toISOString(),
    expiresAt: new Date(row.expires_ms).toISOString(),
    decidedAt: iso(row.decided_ms),
    usedAt: iso(row.used_ms),
  }
}

/** Rows opened before previews were stored say so, rather than showing nothing or a guess. */
const NO_PREVIEW: SignerPreview = {
  source: '',
  lines: [
    { kind: 'other', text: 'No decoded preview was stored with this approval: reject it and ask again' },
  ],
  fee: '',
}

/** The stored preview, parsed again (the signer does not trust its own database to hold a valid one). */
function previewOf(row: ApprovalRow): SignerPreview {
  if (row.preview === null) return NO_PREVIEW
  let json: unknown
  try {
    json = JSON.parse(row.preview)
  } catch {
    return NO_PREVIEW
  }
  const parsed = SignerPreviewSchema.safeParse(json)
  return parsed.success ? parsed.data : NO_PREVIEW
}

export function amountsJson(spend: ReadonlyMap<string, bigint>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [asset, stroops] of spend) if (stroops > 0n) out[asset] = fromStroops(stroops)
  return out
}
