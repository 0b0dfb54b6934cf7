/**
 * DeFindex vault encoders and share math (paltalabs/defindex `apps/contracts/vault/src/lib.rs`, `deposit.rs`,
 * `utils.rs`):
 *   deposit(amounts_desired: Vec<i128>, amounts_min: Vec<i128>, from: Address, invest: bool)
 *   withdraw(withdraw_shares: i128, min_amounts_out: Vec<i128>, from: Address)
 *   get_asset_amounts_per_shares(vault_shares: i128) -> Vec<i128>
 * The vault pulls each deposited asset with `transfer(from → vault)` under `from`'s authorisation. Shares for
 * a single-asset vault are `total_supply · amount / total_managed` (floored); a withdrawal pays
 * `total_managed · shares / total_supply` per asset. Min amounts bound what the user accepts.
 */
import { Contract, type xdr } from '@stellar/stellar-sdk/base'
import { fail, ok, type Result } from '../../../shared/result.ts'
import { SECONDS_PER_YEAR } from '../blend/interest.ts'
import { compound } from '../blend/reserve.ts'
import { SCALAR_7 } from '../fixed-math.ts'
import { address, bool, I128_MAX, i128, isAccountId, isContractId, vec } from '../scval.ts'

const positiveI128 = (v: bigint) => v > 0n && v <= I128_MAX
const nonNegI128 = (v: bigint) => v >= 0n && v <= I128_MAX

export function depositOperation(
  vault: string,
  from: string,
  amountsDesired: readonly bigint[],
  amountsMin: readonly bigint[],
  invest = true,
): Result<xdr.Operation> {
  if (!isContractId(vault)) return fail('ERR_VALIDATION', 'the vault must be a contract id (C…)')
  if (!isAccountId(from)) return fail('ERR_VALIDATION', 'the depositor must be a Stellar account (G…)')
  if (amountsDesired.length === 0 || amountsDesired.length !== amountsMin.length)
    return fail('ERR_VALIDATION', 'one desired and one minimum amount per vault asset')
  if (!amountsDesired.every(nonNegI128) || !amountsDesired.some((a) => a > 0n))
    return fail('ERR_VALIDATION', 'deposit amounts must be non-negative i128s, at least one positive')
  if (amountsMin.some((m, i) => !nonNegI128(m) || m > (amountsDesired[i] ?? 0n)))
    return fail('ERR_VALIDATION', 'each minimum must be between 0 and its desired amount')
  return ok(
    new Contract(vault).call(
      'deposit',
      vec(amountsDesired.map(i128)),
      vec(amountsMin.map(i128)),
      address(from),
      bool(invest),
    ),
  )
}

export function withdrawOperation(
  vault: string,
  from: string,
  shares: bigint,
  minAmountsOut: readonly bigint[],
): Result<xdr.Operation> {
  if (!isContractId(vault)) return fail('ERR_VALIDATION', 'the vault must be a contract id (C…)')
  if (!isAccountId(from)) return fail('ERR_VALIDATION', 'the withdrawer must be a Stellar account (G…)')
  if (!positiveI128(shares)) return fail('ERR_VALIDATION', 'shares to withdraw must be a positive i128')
  if (minAmountsOut.length === 0 || !minAmountsOut.every(nonNegI128))
    return fail('ERR_VALIDATION', 'one non-negative minimum out per vault asset')
  return ok(new Contract(vault).call('withdraw', i128(shares), vec(minAmountsOut.map(i128)), address(from)))
}

/** `calculate_single_asset_shares` (total supply > 0). */
export function sharesForDeposit(amount: bigint, totalSupply: bigint, totalManaged: bigint): Result<bigint> {
  if (totalSupply === 0n) return ok(amount)
  if (totalManaged <= 0n) return fail('ERR_VALIDATION', 'the vault manages nothing')
  return ok((totalSupply * amount) / totalManaged)
}

/** `calculate_asset_amounts_per_vault_shares`. */
export function amountsForShares(
  shares: bigint,
  totalSupply: bigint,
  totalManaged: readonly bigint[],
): Result<bigint[]> {
  if (totalSupply === 0n || shares > totalSupply)
    return fail('ERR_DEFI_INSUFFICIENT_BALANCE', 'more shares than the vault has')
  return ok(totalManaged.map((t) => (t * shares) / totalSupply))
}

/** Applies a slippage bound in basis points to expected amounts: floor(x·(10000 − bps)/10000). */
export function withSlippage(expected: readonly bigint[], bps: number): Result<bigint[]> {
  if (!Number.isInteger(bps) || bps < 0 || bps > 5_000)
    return fail('ERR_VALIDATION', 'slippage is 0 to 5000 basis points')
  return ok(expected.map((x) => (x * BigInt(10_000 - bps)) / 10_000n))
}

export type SharePriceObservation = { readonly price: bigint; readonly at: bigint }

/**
 * APY from two share prices (underlying per share, any fixed scale) `dt` seconds apart: the period's growth
 * compounded over the whole periods in a year (7 decimals). No history, no APY — never a constant.
 */
export function apyFromSharePrices(
  earlier: SharePriceObservation,
  later: SharePriceObservation,
): Result<bigint> {
  const dt = later.at - earlier.at
  if (dt <= 0n) return fail('ERR_VALIDATION', 'share prices must be observed at increasing times')
  if (earlier.price <= 0n || later.price <= 0n) return fail('ERR_VALIDATION', 'share prices must be positive')
  const growth7 = ((later.price - earlier.price) * SCALAR_7) / earlier.price
  const periods = SECONDS_PER_YEAR / dt
  if (periods < 1n) return ok((growth7 * SECONDS_PER_YEAR) / dt)
  if (growth7 < 0n) return ok(growth7 * periods)
  return ok(compound(growth7 * periods, periods))
}
