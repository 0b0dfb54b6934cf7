/**
 * Health factor as `PositionData::calculate_from_positions` computes it (`pool/src/pool/health_factor.rs`):
 * effective collateral (× c_factor, floored) over effective liabilities (÷ l_factor, ceiled), both in the
 * oracle's base asset; a submit that borrows or withdraws collateral must leave it at or above 1.0000100
 * and collateral above the pool's minimum. Prices come from the pool's oracle, never a constant; with no
 * price for a reserve the check fails closed.
 */
import { fail, ok, type Result } from '../../../shared/result.ts'
import { divFloor, mulCeil, mulFloor, SCALAR_7 } from '../fixed-math.ts'
import type { PoolState, Positions } from './pool.ts'
import { toEffectiveAssetFromBToken, toEffectiveAssetFromDToken } from './reserve.ts'

/** Oracle prices: asset → price in the oracle's base, with `decimals` places (SEP-40 `lastprice`). */
export type Prices = { readonly decimals: number; readonly byAsset: ReadonlyMap<string, bigint> }

export type PositionValue = {
  readonly collateralBase: bigint
  readonly liabilityBase: bigint
  /** The oracle scalar (10^decimals). */
  readonly scalar: bigint
}

export function positionValue(pool: PoolState, positions: Positions, prices: Prices): Result<PositionValue> {
  const scalar = 10n ** BigInt(prices.decimals)
  let collateralBase = 0n
  let liabilityBase = 0n
  for (const r of pool.reserves) {
    const b = positions.collateral.get(r.config.index) ?? 0n
    const d = positions.liabilities.get(r.config.index) ?? 0n
    if (b === 0n && d === 0n) continue
    const price = prices.byAsset.get(r.asset)
    if (price === undefined || price <= 0n)
      return fail('ERR_DEFI_HEALTH_FACTOR', 'the pool oracle has no price for a reserve in this position')
    const rs = 10n ** BigInt(r.config.decimals)
    if (b > 0n) collateralBase += mulFloor(price, toEffectiveAssetFromBToken(r, b), rs)
    if (d > 0n) liabilityBase += mulCeil(price, toEffectiveAssetFromDToken(r, d), rs)
  }
  return ok({ collateralBase, liabilityBase, scalar })
}

/** Health factor in the oracle's decimals; undefined with no liabilities (infinitely healthy). */
export const healthFactor = (v: PositionValue): bigint | undefined =>
  v.liabilityBase === 0n ? undefined : divFloor(v.collateralBase, v.liabilityBase, v.scalar)

export const MIN_HEALTH_FACTOR = 10_000_100n

export function healthFactorCheck(
  pool: PoolState,
  positions: Positions,
  prices: Prices | undefined,
): Result<true> {
  if (!prices) return fail('ERR_DEFI_HEALTH_FACTOR', 'no oracle prices: the health factor cannot be checked')
  const v = positionValue(pool, positions, prices)
  if (!v.ok) return v
  const hf = healthFactor(v.value)
  if (hf === undefined) return ok(true)
  if (hf < mulFloor(v.value.scalar, MIN_HEALTH_FACTOR, SCALAR_7))
    return fail('ERR_DEFI_HEALTH_FACTOR', 'this would leave the position below a health factor of 1')
  if (v.value.collateralBase < pool.config.min_collateral)
    return fail('ERR_DEFI_HEALTH_FACTOR', "the collateral would be under the pool's minimum")
  return ok(true)
}
