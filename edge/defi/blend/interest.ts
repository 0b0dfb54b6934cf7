/**
 * Blend v2's interest-rate model, line for line from blend-contracts-v2 `pool/src/pool/interest.rs`
 * (`calc_accrual`): a three-slope curve in utilisation (7 decimals), scaled by the reactive rate modifier
 * `ir_mod` (7 decimals in v2, 9 in v1), compounding into a 12-decimal accrual factor. The original Python
 * Tuxedo read `b_rate` as if it were a rate; this is the rate.
 */
import { divCeil, mulCeil, mulFloor, SCALAR_7, SCALAR_12 } from '../fixed-math.ts'

export const SECONDS_PER_YEAR = 31_536_000n
const UTIL_95 = 9_500_000n
const UTIL_5 = 500_000n
const IR_MOD_MAX = 10n * SCALAR_7
const IR_MOD_MIN = SCALAR_7 / 10n

/** The rate parameters of a reserve, all 7 decimals (`ReserveConfig` in `pool/src/storage.rs`). */
export type RateParams = {
  readonly util: bigint
  readonly r_base: bigint
  readonly r_one: bigint
  readonly r_two: bigint
  readonly r_three: bigint
  readonly reactivity: bigint
}

/** The current borrow rate (APR, 7 decimals) at utilisation `curUtil` with modifier `irMod`. */
export function borrowRate(config: RateParams, curUtil: bigint, irMod: bigint): bigint {
  const target = config.util
  if (curUtil <= target) {
    const utilScalar = divCeil(curUtil, target, SCALAR_7)
    const base = mulCeil(utilScalar, config.r_one, SCALAR_7) + config.r_base
    return mulCeil(base, irMod, SCALAR_7)
  }
  if (curUtil <= UTIL_95) {
    const utilScalar = divCeil(curUtil - target, UTIL_95 - target, SCALAR_7)
    const base = mulCeil(utilScalar, config.r_two, SCALAR_7) + config.r_one + config.r_base
    return mulCeil(base, irMod, SCALAR_7)
  }
  const utilScalar = divCeil(curUtil - UTIL_95, UTIL_5, SCALAR_7)
  const extra = mulCeil(utilScalar, config.r_three, SCALAR_7)
  const intersection = mulCeil(irMod, config.r_two + config.r_one + config.r_base, SCALAR_7)
  return extra + intersection
}

export type Accrual = { readonly accrual: bigint; readonly irMod: bigint }

/**
 * `calc_accrual`: the 12-decimal loan accrual factor over `deltaTime` seconds and the new rate modifier.
 * The contract panics when no time has passed; so does this (RangeError), callers short-circuit first.
 */
export function calcAccrual(config: RateParams, curUtil: bigint, irMod: bigint, deltaTime: bigint): Accrual {
  if (deltaTime < 1n) throw new RangeError('calc_accrual needs time to pass')
  const curIr = borrowRate(config, curUtil, irMod)
  const utilDif = curUtil - config.util
  const utilError = deltaTime * utilDif
  let next: bigint
  if (utilDif >= 0n) {
    next = irMod + mulFloor(utilError, config.reactivity, SCALAR_7)
    if (next > IR_MOD_MAX) next = IR_MOD_MAX
  } else {
    next = irMod + mulCeil(utilError, config.reactivity, SCALAR_7)
    if (next < IR_MOD_MIN) next = IR_MOD_MIN
  }
  const timeWeight = (deltaTime * SCALAR_12) / SECONDS_PER_YEAR
  return { accrual: SCALAR_12 + mulCeil(timeWeight, curIr, SCALAR_7), irMod: next }
}
