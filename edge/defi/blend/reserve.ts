/**
 * A Blend v2 reserve: config and data as stored (`pool/src/storage.rs`), the conversions between b/d tokens
 * and underlying (`pool/src/pool/reserve.rs`, rounding exactly as the contract rounds: supply floors,
 * liabilities ceil), utilisation from underlying amounts, accrual to a timestamp (`Reserve::load`), and the
 * supply/borrow APR (7 decimals) with an APY estimate. Positions are keyed by reserve *index*, never by
 * asset: `Positions` maps `u32 -> i128` of b- or d-tokens.
 */
import { divCeil, divFloor, mulCeil, mulFloor, SCALAR_7, SCALAR_12 } from '../fixed-math.ts'
import { borrowRate, calcAccrual, type RateParams } from './interest.ts'

export type ReserveConfig = RateParams & {
  readonly index: number
  readonly decimals: number
  readonly c_factor: bigint
  readonly l_factor: bigint
  readonly max_util: bigint
  readonly supply_cap: bigint
  readonly enabled: boolean
}

export type ReserveData = {
  /** dToken → underlying, 12 decimals */
  readonly d_rate: bigint
  /** bToken → underlying, 12 decimals */
  readonly b_rate: bigint
  /** 7 decimals */
  readonly ir_mod: bigint
  readonly b_supply: bigint
  readonly d_supply: bigint
  readonly backstop_credit: bigint
  readonly last_time: bigint
}

export type Reserve = {
  readonly asset: string
  readonly config: ReserveConfig
  readonly data: ReserveData
}

export const toAssetFromBToken = (r: Reserve, b: bigint) => mulFloor(b, r.data.b_rate, SCALAR_12)
export const toAssetFromDToken = (r: Reserve, d: bigint) => mulCeil(d, r.data.d_rate, SCALAR_12)
export const toBTokenDown = (r: Reserve, amount: bigint) => divFloor(amount, r.data.b_rate, SCALAR_12)
export const toBTokenUp = (r: Reserve, amount: bigint) => divCeil(amount, r.data.b_rate, SCALAR_12)
export const toDTokenDown = (r: Reserve, amount: bigint) => divFloor(amount, r.data.d_rate, SCALAR_12)
export const toDTokenUp = (r: Reserve, amount: bigint) => divCeil(amount, r.data.d_rate, SCALAR_12)
/** Collateral after the collateral factor (`to_effective_asset_from_b_token`). */
export const toEffectiveAssetFromBToken = (r: Reserve, b: bigint) =>
  mulFloor(toAssetFromBToken(r, b), r.config.c_factor, SCALAR_7)
/** Liability grossed up by the liability factor (`to_effective_asset_from_d_token`). */
export const toEffectiveAssetFromDToken = (r: Reserve, d: bigint) =>
  divCeil(toAssetFromDToken(r, d), r.config.l_factor, SCALAR_7)

export const totalSupply = (r: Reserve) => toAssetFromBToken(r, r.data.b_supply)
export const totalLiabilities = (r: Reserve) => toAssetFromDToken(r, r.data.d_supply)

/** Utilisation, 7 decimals, capped at 100% (`Reserve::utilization`). */
export function utilization(r: Reserve): bigint {
  const liabilities = totalLiabilities(r)
  const supply = totalSupply(r)
  if (liabilities === 0n) return 0n
  if (liabilities >= supply) return SCALAR_7
  return divCeil(liabilities, supply, SCALAR_7)
}

/** `Reserve::load`: the reserve brought forward to `now` (seconds), with the backstop's take credited. */
export function accrueReserve(r: Reserve, bstopRate: bigint, now: bigint): Reserve {
  if (now === r.data.last_time) return r
  const cur = utilization(r)
  if (r.data.b_supply === 0n || cur === 0n) return { ...r, data: { ...r.data, last_time: now } }
  const { accrual, irMod } = calcAccrual(r.config, cur, r.data.ir_mod, now - r.data.last_time)
  const preLiabilities = totalLiabilities(r)
  const preSupply = totalSupply(r)
  const dRate = mulCeil(accrual, r.data.d_rate, SCALAR_12)
  const withD: Reserve = { ...r, data: { ...r.data, ir_mod: irMod, d_rate: dRate } }
  const accrued = totalLiabilities(withD) - preLiabilities
  let { b_rate, backstop_credit } = r.data
  if (accrued > 0n) {
    const credit = bstopRate > 0n ? mulFloor(accrued, bstopRate, SCALAR_7) : 0n
    backstop_credit += credit
    b_rate = divFloor(preSupply + accrued - credit, r.data.b_supply, SCALAR_12)
  }
  return { ...r, data: { ...withD.data, b_rate, backstop_credit, last_time: now } }
}

export type ReserveRates = {
  /** What borrowers pay, 7 decimals (the contract's `cur_ir`). */
  readonly borrowApr: bigint
  /** What suppliers earn: cur_ir × utilisation × (1 − backstop take rate), 7 decimals. */
  readonly supplyApr: bigint
  /** Daily compounding of the borrow APR, 7 decimals (blend-sdk-js `estBorrowApy`). */
  readonly borrowApy: bigint
  /** Weekly compounding of the supply APR, 7 decimals (blend-sdk-js `estSupplyApy`). */
  readonly supplyApy: bigint
}

/**
 * APRs as the contract's model gives them at the reserve's current state, the way blend-sdk-js
 * `Reserve.setRates` derives them; APYs compound daily (borrow) and weekly (supply), each the "safer"
 * estimate for the user, computed in 12-decimal integers rather than floats.
 */
export function reserveRates(r: Reserve, bstopRate: bigint): ReserveRates {
  const cur = utilization(r)
  if (cur === 0n) {
    const borrowApr = r.config.r_base
    return { borrowApr, supplyApr: 0n, borrowApy: compound(borrowApr, 365n), supplyApy: 0n }
  }
  const borrowApr = borrowRate(r.config, cur, r.data.ir_mod)
  const capture = mulFloor(SCALAR_7 - bstopRate, cur, SCALAR_7)
  const supplyApr = mulFloor(borrowApr, capture, SCALAR_7)
  return { borrowApr, supplyApr, borrowApy: compound(borrowApr, 365n), supplyApy: compound(supplyApr, 52n) }
}

/** (1 + apr/n)^n − 1 for a 7-decimal APR, in 12-decimal fixed point, floored back to 7 decimals. */
export function compound(apr7: bigint, periods: bigint): bigint {
  const step = SCALAR_12 + (apr7 * (SCALAR_12 / SCALAR_7)) / periods
  let acc = SCALAR_12
  let base = step
  for (let e = periods; e > 0n; e >>= 1n) {
    if (e & 1n) acc = (acc * base) / SCALAR_12
    base = (base * base) / SCALAR_12
  }
  return (acc - SCALAR_12) / (SCALAR_12 / SCALAR_7)
}
