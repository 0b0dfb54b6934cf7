/**
 * The shapes of Horizon's resources the edge reads (accounts, history, order books, fees, ledgers, assets,
 * offers, submit answers and problems), as zod schemas. A stand-in or a real Horizon must both fit them;
 * an answer that does not is refused (horizon.ts), never half-read. `.loose()` keeps fields we do not use.
 */
import { z } from 'zod'

export const BalanceSchema = z
  .object({
    balance: z.string(),
    asset_type: z.string(),
    asset_code: z.string().optional(),
    asset_issuer: z.string().optional(),
    limit: z.string().optional(),
    is_authorized: z.boolean().optional(),
  })
  .loose()
export type HorizonBalance = z.infer<typeof BalanceSchema>

export const AccountSchema = z
  .object({
    account_id: z.string(),
    sequence: z.string(),
    subentry_count: z.number(),
    balances: z.array(BalanceSchema),
  })
  .loose()
export type HorizonAccount = z.infer<typeof AccountSchema>

export const TransactionRecordSchema = z
  .object({
    id: z.string(),
    hash: z.string(),
    ledger: z.number().optional(),
    created_at: z.string(),
    source_account: z.string(),
    successful: z.boolean(),
    fee_charged: z.union([z.string(), z.number()]).optional(),
    operation_count: z.number().optional(),
    memo: z.string().optional(),
    memo_type: z.string().optional(),
    paging_token: z.string().optional(),
  })
  .loose()
export const PageSchema = <T extends z.ZodType>(record: T) =>
  z.object({ _embedded: z.object({ records: z.array(record) }).loose() }).loose()

export const SubmitOkSchema = z
  .object({
    hash: z.string(),
    ledger: z.number(),
    successful: z.boolean().optional(),
    fee_charged: z.union([z.string(), z.number()]).optional(),
  })
  .loose()
export const ProblemSchema = z
  .object({
    title: z.string().optional(),
    detail: z.string().optional(),
    extras: z
      .object({
        result_codes: z
          .object({ transaction: z.string().optional(), operations: z.array(z.string()).optional() })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
  })
  .loose()

export const PriceRSchema = z.object({ n: z.number(), d: z.number() }).loose()
export const LevelSchema = z
  .object({ price: z.string(), amount: z.string(), price_r: PriceRSchema.optional() })
  .loose()
export const OrderBookSchema = z.object({ bids: z.array(LevelSchema), asks: z.array(LevelSchema) }).loose()
export type OrderBook = z.infer<typeof OrderBookSchema>
export const TradeSchema = z
  .object({
    ledger_close_time: z.string(),
    base_amount: z.string(),
    counter_amount: z.string(),
    base_is_seller: z.boolean().optional(),
    price: z.object({ n: z.union([z.string(), z.number()]), d: z.union([z.string(), z.number()]) }).loose(),
  })
  .loose()
export const FeeStatsSchema = z
  .object({
    last_ledger: z.string(),
    last_ledger_base_fee: z.string(),
    ledger_capacity_usage: z.string().optional(),
    fee_charged: z.object({ p50: z.string(), p90: z.string().optional() }).loose(),
  })
  .loose()
export const LedgerSchema = z.object({ sequence: z.number(), base_reserve_in_stroops: z.number() }).loose()
export const RootSchema = z
  .object({
    history_latest_ledger: z.number().optional(),
    core_latest_ledger: z.number().optional(),
    network_passphrase: z.string(),
    horizon_version: z.string().optional(),
    current_protocol_version: z.number().optional(),
  })
  .loose()
export const AssetRecordSchema = z
  .object({
    asset_type: z.string(),
    asset_code: z.string(),
    asset_issuer: z.string(),
    accounts: z.object({ authorized: z.number() }).loose().optional(),
    balances: z.object({ authorized: z.string() }).loose().optional(),
    flags: z.record(z.string(), z.boolean()).optional(),
  })
  .loose()
export const OfferSchema = z
  .object({
    id: z.string(),
    seller: z.string(),
    selling: z
      .object({
        asset_type: z.string(),
        asset_code: z.string().optional(),
        asset_issuer: z.string().optional(),
      })
      .loose(),
    buying: z
      .object({
        asset_type: z.string(),
        asset_code: z.string().optional(),
        asset_issuer: z.string().optional(),
      })
      .loose(),
    amount: z.string(),
    price: z.string(),
  })
  .loose()
export type HorizonOffer = z.infer<typeof OfferSchema>
