/**
 * An account's payments as Horizon reports them (GET /accounts/:id/payments: payment, create_account, path
 * payments, account_merge), and the view the client shows: which way the money went for THIS account, how
 * much of which asset (Horizon's decimal strings as they are: never a float), and the other party. Pure:
 * the route reads the page, this decides what it means, and the table tests feed it real-shaped records.
 */
import { z } from 'zod'
import type { PaymentView } from '../../shared/schemas/api.ts'

const AssetFields = {
  asset_type: z.string().optional(),
  asset_code: z.string().optional(),
  asset_issuer: z.string().optional(),
}

export const PaymentRecordSchema = z
  .object({
    id: z.string(),
    paging_token: z.string().optional(),
    type: z.string(),
    created_at: z.string(),
    transaction_hash: z.string(),
    transaction_successful: z.boolean().optional(),
    source_account: z.string(),
    ...AssetFields,
    from: z.string().optional(),
    to: z.string().optional(),
    amount: z.string().optional(),
    source_amount: z.string().optional(),
    source_asset_type: z.string().optional(),
    source_asset_code: z.string().optional(),
    source_asset_issuer: z.string().optional(),
    funder: z.string().optional(),
    account: z.string().optional(),
    starting_balance: z.string().optional(),
    into: z.string().optional(),
  })
  .loose()
export type PaymentRecord = z.infer<typeof PaymentRecordSchema>

/** Horizon's asset fields → "native" or "CODE:ISSUER" (undefined when the record carries none). */
function assetOf(type?: string, code?: string, issuer?: string): string | undefined {
  if (type === 'native') return 'native'
  return code && issuer ? `${code}:${issuer}` : undefined
}

const DECIMAL = /^\d{1,19}(\.\d{1,7})?$/
/** Only a well-formed decimal is passed on: a malformed amount is not guessed at. */
const decimal = (s: string | undefined): string | null => (s !== undefined && DECIMAL.test(s) ? s : null)

/** One record as `self` sees it, or undefined for a record that is not a payment of `self`. */
export function paymentView(r: PaymentRecord, self: string): PaymentView | undefined {
  const base = {
    id: r.id,
    hash: r.transaction_hash,
    createdAt: r.created_at,
    successful: r.transaction_successful ?? true,
    ...(r.paging_token !== undefined ? { pagingToken: r.paging_token } : {}),
  }
  const side = (from: string | undefined, to: string | undefined) =>
    from === self
      ? { direction: 'sent' as const, counterparty: to ?? null }
      : to === self
        ? { direction: 'received' as const, counterparty: from ?? null }
        : undefined
  switch (r.type) {
    case 'payment': {
      const s = side(r.from, r.to)
      const asset = assetOf(r.asset_type, r.asset_code, r.asset_issuer)
      return s && asset ? { ...base, kind: 'payment', ...s, amount: decimal(r.amount), asset } : undefined
    }
    case 'create_account': {
      const s = side(r.funder, r.account)
      return s
        ? { ...base, kind: 'create_account', ...s, amount: decimal(r.starting_balance), asset: 'native' }
        : undefined
    }
    case 'path_payment_strict_send':
    case 'path_payment_strict_receive': {
      const s = side(r.from, r.to)
      const dest = assetOf(r.asset_type, r.asset_code, r.asset_issuer)
      const src = assetOf(r.source_asset_type, r.source_asset_code, r.source_asset_issuer)
      if (!s || !dest || !src) return undefined
      const [mine, mineAsset, other, otherAsset] =
        s.direction === 'sent'
          ? [r.source_amount, src, r.amount, dest]
          : [r.amount, dest, r.source_amount, src]
      const otherDecimal = decimal(other)
      return {
        ...base,
        kind: 'path_payment',
        ...s,
        amount: decimal(mine),
        asset: mineAsset,
        ...(otherDecimal !== null ? { otherAmount: otherDecimal, otherAsset } : {}),
      }
    }
    case 'account_merge': {
      const s = side(r.account, r.into)
      return s ? { ...base, kind: 'account_merge', ...s, amount: null, asset: 'native' } : undefined
    }
    default:
      return undefined
  }
}
