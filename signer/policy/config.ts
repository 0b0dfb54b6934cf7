/**
 * The deployment's default spending policy, parsed once at start from `SIGNER_POLICY_DEFAULTS` (JSON, zod),
 * and the merge with a user's own limits, which can only make it stricter.
 *
 * Assets are keyed "native" or "CODE:ISSUER". An asset without a configured limit cannot be spent at all
 * (deny by default): a look-alike "USDC" from another issuer gets nothing. Token contracts (Stellar Asset
 * Contracts) of the configured assets are derived here, so Soroban transfers count against the same caps.
 *
 * Three levels per asset, checked per transaction: up to `approvalAbove` signs automatically; above it and
 * up to `perTx` only with a human approval; above `perTx` never. `daily` bounds the rolling 24 hours,
 * approval or not. Fees are money too: they count against `feeBudgetDaily` (XLM per rolling 24 hours),
 * which may not exceed the native daily cap, so a flood of expensive Soroban calls cannot burn more than
 * the user could have sent.
 */
import { Asset } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import type { ProtocolContracts } from '../../shared/network.ts'
import { amountSchema, toStroops } from '../../shared/schemas/money.ts'
import { ContractIdSchema, StellarAccountIdSchema } from '../../shared/schemas/stellar.ts'
import { type SorobanSettings, sorobanSettings } from './protocols/registry.ts'

export type AssetLimit = {
  /** Never above this per transaction, approval or not. */
  readonly perTx: bigint
  /** Never above this in any rolling 24 hours, approval or not. */
  readonly daily: bigint
  /** Above this (per transaction) a human approval is needed; null = no approvals (automatic up to perTx). */
  readonly approvalAbove: bigint | null
}

export type Policy = {
  readonly assets: ReadonlyMap<string, AssetLimit>
  /** Token contract id (C…) → asset key, for Soroban transfers. */
  readonly tokenContracts: ReadonlyMap<string, string>
  readonly feeCeilingPerOp: bigint
  readonly sorobanFeeCeiling: bigint
  readonly maxTimeAheadSeconds: number
  readonly approvalTtlSeconds: number
  /** Native stroops of fees a user may spend in any rolling 24 hours; never above the native daily cap. */
  readonly feeBudgetDaily: bigint
  /** Per-user quotas (SIGNER_POLICY_DEFAULTS): accounts held, approvals waiting for a decision. */
  readonly maxAccountsPerUser: number
  readonly maxPendingApprovalsPerUser: number
  /** Destination allow-list for the signing account; null = any destination. */
  readonly destinations: ReadonlySet<string> | null
  /** The Soroban contracts the signer can read on this network, and what happens to the others. */
  readonly soroban: SorobanSettings
}

const USDC_ISSUERS: Readonly<Record<string, readonly string[]>> = {
  testnet: ['GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5'],
  mainnet: ['GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN'],
  custom: [],
}

const amount = amountSchema()
const AssetRefSchema = z.union([
  z.literal('native'),
  z.object({ code: z.string().regex(/^[A-Za-z0-9]{1,12}$/), issuer: StellarAccountIdSchema }).strict(),
])
const AssetLimitInputSchema = z
  .object({
    asset: AssetRefSchema,
    perTx: amount,
    daily: amount,
    /** Decimal amount, or null to disable approvals (automatic up to perTx); default = perTx (the same). */
    approvalAbove: amount.nullable().optional(),
  })
  .strict()

export const PolicyDefaultsSchema = z
  .object({
    assets: z.array(AssetLimitInputSchema).max(64),
    feeCeilingPerOpStroops: z.number().int().min(100).max(100_000_000).default(100_000),
    sorobanFeeCeilingStroops: z.number().int().min(100).max(1_000_000_000).default(20_000_000),
    maxTimeAheadSeconds: z.number().int().min(1).max(3600).default(300),
    approvalTtlSeconds: z.number().int().min(30).max(86_400).default(600),
    /** XLM of fees per rolling 24 h (inner + fee-bump outer, resource fee included); default = native daily. */
    feeBudgetDaily: amount.optional(),
    maxAccountsPerUser: z.number().int().min(1).max(10_000).default(100),
    maxPendingApprovalsPerUser: z.number().int().min(1).max(1_000).default(50),
    /** Soroban calls on contracts no decoder reads: asked of a person ("approval") or refused ("deny"). */
    soroban: z
      .object({
        unknownContracts: z.enum(['approval', 'deny']).default('approval'),
        /** This deployment's DeFindex vaults (C…), read by the vault decoder. */
        defindexVaults: z.array(ContractIdSchema).max(64).default([]),
      })
      .strict()
      .default({ unknownContracts: 'approval', defindexVaults: [] }),
  })
  .strict()
export type PolicyDefaultsInput = z.input<typeof PolicyDefaultsSchema>

/**
 * The deployment defaults (issue 12), approval above / per transaction / per day: XLM 25 / 100 / 1,000;
 * USDC (the network's Circle issuer; on a custom network the configured `PROTOCOL_CONTRACTS.usdcIssuer`)
 * 100 / 500 / 5,000. Fee budget: the native daily cap.
 */
export function builtinDefaults(network: string, customUsdcIssuer?: string): PolicyDefaultsInput {
  const issuers = network === 'custom' ? (customUsdcIssuer ? [customUsdcIssuer] : []) : USDC_ISSUERS[network]
  return {
    assets: [
      { asset: 'native', approvalAbove: '25', perTx: '100', daily: '1000' },
      ...(issuers ?? []).map((issuer) => ({
        asset: { code: 'USDC', issuer },
        approvalAbove: '100',
        perTx: '500',
        daily: '5000',
      })),
    ],
  }
}

export const assetKeyOf = (a: z.infer<typeof AssetRefSchema>): string =>
  a === 'native' ? 'native' : `${a.code}:${a.issuer}`

/** Parses and compiles the defaults; throws a message naming the field (never a value) when invalid. */
export function compilePolicy(
  input: unknown,
  networkPassphrase: string,
  protocols?: ProtocolContracts,
): Policy {
  const parsed = PolicyDefaultsSchema.safeParse(input)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new Error(`${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`)
  }
  const v = parsed.data
  const assets = new Map<string, AssetLimit>()
  const tokenContracts = new Map<string, string>()
  for (const a of v.assets) {
    const perTx = toStroops(a.perTx)
    const daily = toStroops(a.daily)
    const above =
      a.approvalAbove === undefined ? perTx : a.approvalAbove === null ? null : toStroops(a.approvalAbove)
    if (daily < perTx) throw new Error(`assets.${assetKeyOf(a.asset)}: daily is below perTx`)
    if (above !== null && above > perTx)
      throw new Error(`assets.${assetKeyOf(a.asset)}: approvalAbove exceeds perTx`)
    const key = assetKeyOf(a.asset)
    assets.set(key, { perTx, daily, approvalAbove: above })
    const sdkAsset = a.asset === 'native' ? Asset.native() : new Asset(a.asset.code, a.asset.issuer)
    tokenContracts.set(sdkAsset.contractId(networkPassphrase), key)
  }
  // Fees are paid in XLM: without a native limit no fee can be paid (deny by default), and the budget can
  // never let more XLM leave as fees than the native cap lets leave as payments.
  const nativeDaily = assets.get('native')?.daily ?? 0n
  const feeBudgetDaily = v.feeBudgetDaily === undefined ? nativeDaily : toStroops(v.feeBudgetDaily)
  if (feeBudgetDaily > nativeDaily) throw new Error('feeBudgetDaily: exceeds the native daily cap')
  return Object.freeze({
    assets,
    tokenContracts,
    feeCeilingPerOp: BigInt(v.feeCeilingPerOpStroops),
    sorobanFeeCeiling: BigInt(v.sorobanFeeCeilingStroops),
    maxTimeAheadSeconds: v.maxTimeAheadSeconds,
    approvalTtlSeconds: v.approvalTtlSeconds,
    feeBudgetDaily,
    maxAccountsPerUser: v.maxAccountsPerUser,
    maxPendingApprovalsPerUser: v.maxPendingApprovalsPerUser,
    destinations: null,
    soroban: sorobanSettings(networkPassphrase, v.soroban, protocols),
  })
}

/** A user's own limits: each may only lower the deployment's (enforced by the merge, not by trust). */
export const UserAssetLimitSchema = z
  .object({ perTx: amount.optional(), daily: amount.optional(), approvalAbove: amount.optional() })
  .strict()
export const UserPolicySchema = z
  .object({
    /** Keyed "native" or "CODE:ISSUER". */
    assets: z
      .record(z.string().regex(/^(native|[A-Za-z0-9]{1,12}:G[A-Z2-7]{55})$/), UserAssetLimitSchema)
      .default({}),
    /** Signer account id (acc_…) → allowed destination G… addresses. */
    destinations: z
      .record(z.string().regex(/^acc_[A-Za-z0-9_-]{16,64}$/), z.array(StellarAccountIdSchema).max(256))
      .default({}),
  })
  .strict()
export type UserPolicy = z.infer<typeof UserPolicySchema>

const lower = (a: bigint, b: bigint): bigint => (a < b ? a : b)
const min = (a: bigint, b: string | undefined): bigint =>
  b === undefined ? a : a < toStroops(b) ? a : toStroops(b)

/** The effective policy for one signing account: every user limit is min()'d with the deployment's. */
export function effectivePolicy(base: Policy, user: UserPolicy | undefined, accountId: string): Policy {
  if (!user) return base
  const assets = new Map<string, AssetLimit>()
  for (const [key, limit] of base.assets) {
    const mine = user.assets[key]
    if (!mine) {
      assets.set(key, limit)
      continue
    }
    const perTx = min(limit.perTx, mine.perTx)
    const approvalAbove = limit.approvalAbove === null ? null : min(limit.approvalAbove, mine.approvalAbove)
    assets.set(key, {
      perTx,
      daily: min(limit.daily, mine.daily),
      approvalAbove: approvalAbove === null ? null : lower(approvalAbove, perTx),
    })
  }
  const list = user.destinations[accountId]
  // A user's lower native day lowers the fee budget with it: fees never exceed what may leave as payments.
  const feeBudgetDaily = lower(base.feeBudgetDaily, assets.get('native')?.daily ?? 0n)
  return { ...base, assets, feeBudgetDaily, destinations: list ? new Set(list) : null }
}
