/**
 * DeFindex reads and prepared deposits/withdrawals. Vaults come from the factory (`total_vaults`,
 * `get_vault_by_index`); each vault's assets and strategies from `get_assets`, its funds from
 * `fetch_total_managed_funds`, its share price from `get_asset_amounts_per_shares(1 share)`, its supply from
 * the share token's `total_supply`. Threat: a vault id the factory did not deploy is refused.
 */
import { Address, scValToNative, xdr } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import { AppError } from '../../../shared/errors.ts'
import { fail, ok, type Result } from '../../../shared/result.ts'
import type { DefiDeps } from '../blend/client.ts'
import { readCall } from '../contract-reader.ts'
import { defiDeployments } from '../deployments.ts'
import { i128, u32 } from '../scval.ts'
import { tokenBalance } from '../token.ts'
import {
  amountsForShares,
  apyFromSharePrices,
  depositOperation,
  type SharePriceObservation,
  sharesForDeposit,
  withdrawOperation,
  withSlippage,
} from './vault.ts'

const strkey = z.string().length(56)
const AssetsSchema = z.array(
  z.object({
    address: strkey,
    strategies: z.array(z.object({ address: strkey, name: z.string().max(64), paused: z.boolean() })),
  }),
)
const FundsSchema = z.array(z.object({ asset: strkey, total_amount: z.bigint().min(0n) }).loose())

/** Vault shares carry 7 decimals. */
export const ONE_SHARE = 10_000_000n

export type VaultInfo = {
  readonly id: string
  readonly name: string
  readonly assets: z.infer<typeof AssetsSchema>
  readonly totalManaged: readonly bigint[]
  readonly totalSupply: bigint
  /** Underlying per one share, per asset, in each asset's base units. */
  readonly sharePrice: readonly bigint[]
}

const call = async (deps: DefiDeps, id: string, fn: string, args: xdr.ScVal[] = []) =>
  scValToNative(await readCall(deps.rpc, deps.network.passphrase, id, fn, args))

export async function defindexVaultIds(deps: DefiDeps): Promise<string[]> {
  const d = defiDeployments(deps.network).defindex
  if (!d) return []
  const n = z
    .number()
    .int()
    .min(0)
    .max(1000)
    .parse(await call(deps, d.factory, 'total_vaults'))
  const ids: string[] = []
  for (let i = 0; i < n; i++)
    ids.push(strkey.parse(await call(deps, d.factory, 'get_vault_by_index', [u32(i)])))
  return ids
}

export async function defindexVault(deps: DefiDeps, vault: string): Promise<VaultInfo> {
  if (!(await defindexVaultIds(deps)).includes(vault))
    throw new AppError('ERR_DEFI_UNKNOWN_VAULT', `${vault} is not a DeFindex vault of this network's factory`)
  const assets = AssetsSchema.parse(await call(deps, vault, 'get_assets'))
  const funds = FundsSchema.parse(await call(deps, vault, 'fetch_total_managed_funds'))
  const totalSupply = z
    .bigint()
    .min(0n)
    .parse(await call(deps, vault, 'total_supply'))
  const name = z
    .string()
    .max(64)
    .catch(vault)
    .parse(await call(deps, vault, 'name').catch(() => vault))
  const sharePrice =
    totalSupply >= ONE_SHARE
      ? z
          .array(z.bigint().min(0n))
          .parse(await call(deps, vault, 'get_asset_amounts_per_shares', [i128(ONE_SHARE)]))
      : []
  return { id: vault, name, assets, totalManaged: funds.map((f) => f.total_amount), totalSupply, sharePrice }
}

export async function vaultShares(deps: DefiDeps, vault: string, user: string): Promise<bigint> {
  return z
    .bigint()
    .min(0n)
    .parse(await call(deps, vault, 'balance', [new Address(user).toScVal()]))
}

export type PreparedVaultCall = {
  readonly operation: xdr.Operation
  readonly vault: VaultInfo
  /** Deposit: shares expected; withdraw: amounts expected per asset. */
  readonly expected: readonly bigint[]
  readonly minimums: readonly bigint[]
}

/** A single-asset deposit of `amount` (base units of the vault's only asset). */
export async function prepareDefindexDeposit(
  deps: DefiDeps,
  args: { readonly vault: string; readonly user: string; readonly amount: bigint },
): Promise<Result<PreparedVaultCall>> {
  const info = await defindexVault(deps, args.vault)
  const [asset] = info.assets
  if (!asset || info.assets.length !== 1)
    return fail('ERR_VALIDATION', 'only single-asset vaults are supported')
  if (args.amount <= 0n) return fail('ERR_VALIDATION', 'the amount must be greater than zero')
  const have = await tokenBalance(deps.rpc, deps.network.passphrase, asset.address, args.user)
  if (have < args.amount)
    return fail('ERR_DEFI_INSUFFICIENT_BALANCE', 'the account holds less than the deposit')
  const shares = sharesForDeposit(args.amount, info.totalSupply, info.totalManaged[0] ?? 0n)
  if (!shares.ok) return shares
  // Single-asset vaults take the whole desired amount; the minimum is that amount (nothing less is accepted).
  const op = depositOperation(args.vault, args.user, [args.amount], [args.amount])
  if (!op.ok) return op
  return ok({ operation: op.value, vault: info, expected: [shares.value], minimums: [args.amount] })
}

export async function prepareDefindexWithdraw(
  deps: DefiDeps,
  args: {
    readonly vault: string
    readonly user: string
    readonly shares: bigint
    readonly slippageBps: number
  },
): Promise<Result<PreparedVaultCall>> {
  const info = await defindexVault(deps, args.vault)
  const held = await vaultShares(deps, args.vault, args.user)
  if (args.shares <= 0n) return fail('ERR_VALIDATION', 'shares must be greater than zero')
  if (held < args.shares) return fail('ERR_DEFI_INSUFFICIENT_BALANCE', 'the account holds fewer vault shares')
  const expected = amountsForShares(args.shares, info.totalSupply, info.totalManaged)
  if (!expected.ok) return expected
  const mins = withSlippage(expected.value, args.slippageBps)
  if (!mins.ok) return mins
  const op = withdrawOperation(args.vault, args.user, args.shares, mins.value)
  if (!op.ok) return op
  return ok({ operation: op.value, vault: info, expected: expected.value, minimums: mins.value })
}

/** Less history than this and a vault has no APY (a few hours of share price say little about a year). */
export const MIN_APY_WINDOW_SECONDS = 86_400n

const VaultEventSchema = z
  .object({
    total_supply_before: z.bigint().min(1n),
    total_managed_funds_before: z.array(z.object({ total_amount: z.bigint().min(0n) }).loose()).min(1),
  })
  .loose()

/**
 * The vault's APY from its share price over time: the oldest `deposit`/`withdraw` event Soroban RPC still
 * holds gives the share price then (`total_managed_funds_before / total_supply_before`, first asset), the
 * vault's `get_asset_amounts_per_shares(1 share)` gives it now. Undefined when there is not a day of history
 * — no history, no APY; never a constant.
 */
export async function defindexVaultApy(
  deps: DefiDeps,
  info: VaultInfo,
): Promise<{ readonly apy: bigint; readonly since: bigint } | undefined> {
  const now = info.sharePrice[0]
  if (now === undefined) return undefined
  const topic = (a: string) => [xdr.ScVal.scvSymbol('DeFindexVault'), xdr.ScVal.scvSymbol(a)]
  const records = [
    ...(await deps.rpc.contractEvents(info.id, topic('deposit'))),
    ...(await deps.rpc.contractEvents(info.id, topic('withdraw'))),
  ]
  let earliest: SharePriceObservation | undefined
  for (const r of records) {
    const at = BigInt(Math.floor(Date.parse(r.ledgerClosedAt) / 1000))
    const parsed = VaultEventSchema.safeParse(scValToNative(r.value))
    const managed = parsed.success ? parsed.data.total_managed_funds_before[0]?.total_amount : undefined
    if (!parsed.success || managed === undefined || at <= 0n) continue
    const price = (managed * ONE_SHARE) / parsed.data.total_supply_before
    if (!earliest || at < earliest.at) earliest = { price, at }
  }
  const t = deps.now()
  if (!earliest || t - earliest.at < MIN_APY_WINDOW_SECONDS) return undefined
  const apy = apyFromSharePrices(earliest, { price: now, at: t })
  return apy.ok ? { apy: apy.value, since: earliest.at } : undefined
}
