/**
 * What the agent and the web client are shown about Blend: per reserve its APRs/APYs (decimal strings, from
 * the rate model — not `b_rate`), totals and caps; per user the positions by reserve index turned into
 * underlying amounts. Amounts stay base units (bigint) with the token's decimals alongside; rates are
 * fractions as decimal strings ("0.0950569" = 9.50569%).
 */
import { fixedToDecimal, SCALAR_7 } from '../fixed-math.ts'
import { SECONDS_PER_YEAR } from './interest.ts'
import type { Positions } from './pool.ts'
import type { PoolRead } from './read.ts'
import {
  reserveRates,
  toAssetFromBToken,
  toAssetFromDToken,
  totalLiabilities,
  totalSupply,
  utilization,
} from './reserve.ts'

export type ReserveView = {
  readonly poolId: string
  readonly poolName: string
  readonly poolStatus: number
  readonly asset: string
  readonly index: number
  readonly decimals: number
  readonly enabled: boolean
  readonly supplyApr: string
  readonly supplyApy: string
  readonly borrowApr: string
  readonly borrowApy: string
  readonly utilization: string
  readonly totalSupplied: bigint
  readonly totalBorrowed: bigint
  readonly supplyCap: bigint
  readonly collateralFactor: string
  /** BLND per year paid to all suppliers / borrowers (BLND base units, 7 decimals), while emissions run. */
  readonly blndPerYear: { readonly supply: bigint; readonly borrow: bigint }
}

const rate = (v: bigint) => fixedToDecimal(v, 7)

export function reserveViews(pool: PoolRead): ReserveView[] {
  return pool.reserves.map((r, i) => {
    const stored = pool.stored[i] ?? r
    const rates = reserveRates(stored, pool.config.bstop_rate)
    const em = pool.emissions.get(r.config.index)
    // v2 `eps` carries 14 decimals (7 of BLND + 7 of precision): BLND base units per second = eps / 1e7.
    const perYear = (e: { eps: bigint; expiration: bigint } | undefined) =>
      e && e.expiration > pool.timestamp ? (e.eps * SECONDS_PER_YEAR) / SCALAR_7 : 0n
    return {
      poolId: pool.id,
      poolName: pool.name,
      poolStatus: pool.config.status,
      asset: r.asset,
      index: r.config.index,
      decimals: r.config.decimals,
      enabled: r.config.enabled,
      supplyApr: rate(rates.supplyApr),
      supplyApy: rate(rates.supplyApy),
      borrowApr: rate(rates.borrowApr),
      borrowApy: rate(rates.borrowApy),
      utilization: rate(utilization(stored)),
      totalSupplied: totalSupply(r),
      totalBorrowed: totalLiabilities(r),
      supplyCap: r.config.supply_cap,
      collateralFactor: rate(r.config.c_factor),
      blndPerYear: { supply: perYear(em?.supply), borrow: perYear(em?.borrow) },
    }
  })
}

export type PositionKind = 'supply' | 'collateral' | 'borrow'

export type PositionView = {
  readonly poolId: string
  readonly poolName: string
  readonly asset: string
  readonly reserveIndex: number
  readonly kind: PositionKind
  readonly decimals: number
  /** b-tokens (supply, collateral) or d-tokens (borrow), as stored. */
  readonly shares: bigint
  /** The same in underlying base units, at the reserve's current rate. */
  readonly amount: bigint
  /** Supply APY for supply/collateral, borrow APY for borrow. */
  readonly apy: string
}

export function positionViews(pool: PoolRead, positions: Positions): PositionView[] {
  const rows: PositionView[] = []
  const views = reserveViews(pool)
  const sides: [PositionKind, ReadonlyMap<number, bigint>][] = [
    ['supply', positions.supply],
    ['collateral', positions.collateral],
    ['borrow', positions.liabilities],
  ]
  for (const [kind, book] of sides) {
    for (const [index, shares] of [...book.entries()].sort((a, b) => a[0] - b[0])) {
      const r = pool.reserves.find((x) => x.config.index === index)
      const v = views.find((x) => x.index === index)
      if (!r || !v || shares <= 0n) continue
      rows.push({
        poolId: pool.id,
        poolName: pool.name,
        asset: r.asset,
        reserveIndex: index,
        kind,
        decimals: r.config.decimals,
        shares,
        amount: kind === 'borrow' ? toAssetFromDToken(r, shares) : toAssetFromBToken(r, shares),
        apy: kind === 'borrow' ? v.borrowApy : v.supplyApy,
      })
    }
  }
  return rows
}
