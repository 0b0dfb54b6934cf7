/**
 * Building classic transactions at the edge: assets from what the model said, a fee from fee stats, a
 * time bound on every transaction (so a stalled approval cannot be replayed later). Amounts stay decimal
 * strings; the SDK encodes them to stroops exactly.
 */
import {
  Account,
  Asset,
  Memo,
  type Transaction,
  TransactionBuilder,
  type xdr,
} from '@stellar/stellar-sdk/base'
import { AppError } from '../../shared/errors.ts'
import { AssetCodeSchema } from '../../shared/schemas/money.ts'
import { StellarAccountIdSchema } from '../../shared/schemas/stellar.ts'
import type { HorizonAccount } from './horizon-schemas.ts'

export const TX_TIMEOUT_SECONDS = 300
export const BASE_FEE_STROOPS = 100

/** "native"/"XLM"/null → native; a code with an issuer → the issued asset. */
export function assetOf(code: string | null, issuer: string | null): Asset {
  if (code === null || code.toUpperCase() === 'XLM' || code === 'native') {
    if (issuer !== null && code !== null)
      throw new AppError('ERR_TOOL_INPUT', 'XLM is the native asset and has no issuer')
    return Asset.native()
  }
  if (!AssetCodeSchema.safeParse(code).success)
    throw new AppError('ERR_TOOL_INPUT', 'asset code must be 1 to 12 letters or digits')
  if (issuer === null || !StellarAccountIdSchema.safeParse(issuer).success)
    throw new AppError('ERR_TOOL_INPUT', `asset ${code} needs its issuer's account id (G…)`)
  return new Asset(code, issuer)
}

export const assetLabel = (a: Asset): string => (a.isNative() ? 'XLM' : `${a.getCode()}:${a.getIssuer()}`)

/** Horizon's query form of an asset (selling_asset_type=…). */
export function assetQuery(prefix: string, a: Asset): Record<string, string> {
  const q: Record<string, string> = {}
  if (a.isNative()) {
    q[`${prefix}_asset_type`] = 'native'
    return q
  }
  q[`${prefix}_asset_type`] = a.getCode().length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12'
  q[`${prefix}_asset_code`] = a.getCode()
  q[`${prefix}_asset_issuer`] = a.getIssuer() ?? ''
  return q
}

export function buildTransaction(opts: {
  source: HorizonAccount
  operations: readonly xdr.Operation[]
  passphrase: string
  feePerOp: number
  memo?: string | null
}): Transaction {
  const builder = new TransactionBuilder(new Account(opts.source.account_id, opts.source.sequence), {
    fee: String(Math.max(BASE_FEE_STROOPS, opts.feePerOp)),
    networkPassphrase: opts.passphrase,
  })
  for (const op of opts.operations) builder.addOperation(op)
  if (opts.memo) {
    if (new TextEncoder().encode(opts.memo).length > 28)
      throw new AppError('ERR_TOOL_INPUT', 'a text memo holds at most 28 bytes')
    builder.addMemo(Memo.text(opts.memo))
  }
  return builder.setTimeout(TX_TIMEOUT_SECONDS).build()
}
