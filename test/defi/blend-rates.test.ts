/**
 * Known answers for Blend v2's rate math, taken from the protocol's own tests:
 * - blend-capital/blend-contracts-v2 ba22b48, `pool/src/pool/interest.rs` (`calc_accrual` tests) and
 *   `pool/src/pool/reserve.rs` (`test_load_reserve`, `test_load_reserve_accrues_b_rate`);
 * - blend-capital/blend-sdk-js 5f20827, `test/pool/reserve.test.ts` ('reserve accrual v2',
 *   'reserve accrual no supplied').
 */
import { describe, expect, it } from 'vitest'
import { calcAccrual, type RateParams } from '../../edge/defi/blend/interest.ts'
import {
  accrueReserve,
  compound,
  type Reserve,
  type ReserveConfig,
  type ReserveData,
  reserveRates,
  utilization,
} from '../../edge/defi/blend/reserve.ts'
import { divCeil, divFloor, mulCeil, mulFloor } from '../../edge/defi/fixed-math.ts'

// `testutils::default_reserve_meta()` and the config every interest.rs test uses.
const CONFIG: ReserveConfig = {
  index: 0,
  decimals: 7,
  c_factor: 7_500_000n,
  l_factor: 7_500_000n,
  util: 7_500_000n,
  max_util: 9_500_000n,
  r_base: 100_000n,
  r_one: 500_000n,
  r_two: 5_000_000n,
  r_three: 15_000_000n,
  reactivity: 20n,
  supply_cap: 1_000_000_000_000_000_000n,
  enabled: true,
}
const DATA: ReserveData = {
  b_rate: 1_000_000_000_000n,
  d_rate: 1_000_000_000_000n,
  ir_mod: 10_000_000n,
  b_supply: 100_0000000n,
  d_supply: 75_0000000n,
  last_time: 0n,
  backstop_credit: 0n,
}

describe('fixed-point rounding (soroban-fixed-point-math semantics)', () => {
  it.each([
    // [fn, x, y, d, expected]
    ['mulFloor', mulFloor, 7n, 3n, 2n, 10n],
    ['mulCeil', mulCeil, 7n, 3n, 2n, 11n],
    ['mulFloor negative rounds toward -inf', mulFloor, -7n, 3n, 2n, -11n],
    ['mulCeil negative rounds toward +inf', mulCeil, -7n, 3n, 2n, -10n],
    ['divFloor', divFloor, 1n, 3n, 10n, 3n],
    ['divCeil', divCeil, 1n, 3n, 10n, 4n],
  ] as const)('%s', (_n, f, x, y, d, want) => {
    expect(f(x, y, d)).toBe(want)
  })
  it.each([
    ['mulFloor', () => mulFloor(1n, 1n, 0n)],
    ['mulCeil', () => mulCeil(1n, 1n, 0n)],
    ['divFloor', () => divFloor(1n, 0n, 1n)],
    ['divCeil', () => divCeil(1n, 0n, 1n)],
  ])('%s by zero throws', (_n, f) => {
    expect(f).toThrow(RangeError)
  })
})

describe('calc_accrual (interest.rs tests)', () => {
  const P: RateParams = CONFIG
  it.each([
    // test name, params, util, ir_mod, delta_time, accrual, new ir_mod
    ['test_calc_accrual_util_under_target', P, 6_565_656n, 10_000_000n, 500n, 1_000_000_852_536n, 9_999_066n],
    ['test_calc_accrual_util_over_target', P, 7_979_797n, 10_000_000n, 500n, 1_000_002_853_078n, 10_000_479n],
    ['test_calc_accrual_util_over_95', P, 9_696_969n, 10_000_000n, 500n, 1_000_018_247_510n, 10_002_196n],
    [
      'test_calc_accrual_reactivity_0',
      { ...P, reactivity: 0n },
      6_565_656n,
      10_000_000n,
      500n,
      1_000_000_852_536n,
      10_000_000n,
    ],
    [
      'test_calc_accrual_rounds_up',
      { ...P, r_base: 1_000n },
      5n,
      1_000_000n,
      1n,
      1_000_000_000_001n,
      1_000_000n,
    ],
  ] as const)('%s', (_name, params, util, irMod, dt, accrual, nextIrMod) => {
    expect(calcAccrual(params, util, irMod, dt)).toEqual({ accrual, irMod: nextIrMod })
  })

  it('test_calc_ir_mod_over_limit: capped at 10', () => {
    expect(calcAccrual(P, 9_696_969n, 99_970_000n, 12_345n).irMod).toBe(100_000_000n)
  })
  it('test_calc_ir_mod_under_limit: floored at 0.1', () => {
    expect(calcAccrual(P, 2_020_202n, 1_500_000n, 50_000n).irMod).toBe(1_000_000n)
  })

  const fixed = { ...P, r_base: 2_500_000n, r_one: 0n, r_two: 0n, r_three: 0n }
  it.each([
    [0n, 9_992_500n],
    [6_565_656n, 9_999_066n],
    [7_565_656n, 10_000_065n],
    [9_565_656n, 10_002_065n],
  ])('test_calc_accrual_fixed_rate at util %s', (util, nextIrMod) => {
    expect(calcAccrual(fixed, util, 10_000_000n, 500n)).toEqual({
      accrual: 1_000_003_963_724n,
      irMod: nextIrMod,
    })
  })

  it.each([
    ['no time passed', 0n],
    ['time ran backwards', -1n],
    ['a large negative step', -500n],
  ])('refuses to accrue when %s (the contract panics InternalError)', (_n, dt) => {
    expect(() => calcAccrual(P, 6_565_656n, 10_000_000n, dt)).toThrow(RangeError)
  })
})

describe('Reserve::load accrual (reserve.rs tests)', () => {
  it('test_load_reserve', () => {
    const r: Reserve = {
      asset: 'A',
      config: CONFIG,
      data: {
        ...DATA,
        d_rate: 1_345_678_123_000n,
        b_rate: 1_123_456_789_000n,
        d_supply: 65_0000000n,
        b_supply: 99_0000000n,
      },
    }
    expect(utilization(r)).toBe(7_864_353n)
    const out = accrueReserve(r, 2_000_000n, 617_280n)
    expect(out.data).toEqual({
      d_rate: 1_349_657_798_173n,
      b_rate: 1_125_547_124_242n,
      ir_mod: 10_449_815n,
      d_supply: 65_0000000n,
      b_supply: 99_0000000n,
      backstop_credit: 517_357n,
      last_time: 617_280n,
    })
  })

  it('test_load_reserve_accrues_b_rate (18 decimals, 5 s)', () => {
    const scalar = 10n ** 18n
    const r: Reserve = {
      asset: 'A',
      config: { ...CONFIG, decimals: 18 },
      data: {
        ...DATA,
        d_rate: 1_500_000_000_000n,
        b_rate: 1_300_000_000_000n,
        d_supply: 100_000_000n * scalar,
        b_supply: 10_000_000_000n * scalar,
        last_time: 995n,
      },
    }
    const out = accrueReserve(r, 2_000_000n, 1000n)
    expect(out.data.b_rate).toBe(1_300_000_000_020n)
    expect(out.data.d_rate).toBe(1_500_000_002_562n)
    expect(out.data.ir_mod).toBe(9_999_927n)
    expect(out.data.backstop_credit).toBe(51_240_000_000_000_000n)
    expect(out.data.last_time).toBe(1000n)
  })

  it('test_load_reserve_zero_supply: only the clock moves', () => {
    const r: Reserve = {
      asset: 'A',
      config: CONFIG,
      data: { ...DATA, d_rate: 0n, b_rate: 0n, d_supply: 0n, b_supply: 0n },
    }
    expect(accrueReserve(r, 2_000_000n, 617_280n).data).toEqual({ ...r.data, last_time: 617_280n })
  })
})

describe('APR and APY (blend-sdk-js reserve.test.ts)', () => {
  it("'reserve accrual v2': borrow 0.1510883, supply 0.0950569; APYs ≈ 0.163064 and 0.099626", () => {
    const r: Reserve = {
      asset: 'A',
      config: CONFIG,
      data: {
        ...DATA,
        d_rate: 1_345_678_123_000n,
        b_rate: 1_123_456_789_000n,
        d_supply: 65_0000000n,
        b_supply: 99_0000000n,
      },
    }
    const rates = reserveRates(r, 2_000_000n)
    expect(rates.borrowApr).toBe(1_510_883n)
    expect(rates.supplyApr).toBe(950_569n)
    // The SDK's floats, to the 4 digits its test checks: (1 + apr/365)^365 − 1 and (1 + apr/52)^52 − 1.
    expect(Number(rates.borrowApy) / 1e7).toBeCloseTo(0.163064, 4)
    expect(Number(rates.supplyApy) / 1e7).toBeCloseTo(0.099626, 4)
  })

  it("'reserve accrual no supplied': borrow APR is r_base, supply 0", () => {
    const r: Reserve = {
      asset: 'A',
      config: CONFIG,
      data: { ...DATA, d_rate: 0n, b_rate: 0n, d_supply: 0n, b_supply: 0n },
    }
    const rates = reserveRates(r, 2_000_000n)
    expect(rates.borrowApr).toBe(100_000n)
    expect(rates.supplyApr).toBe(0n)
    expect(rates.supplyApy).toBe(0n)
  })

  it.each([
    ['all supply taken by the backstop', 10_000_000n, 0n],
    ['no utilisation', 2_000_000n, 0n],
  ])('supply APR is zero when %s', (name, take, want) => {
    const data = name === 'no utilisation' ? { ...DATA, d_supply: 0n } : DATA
    expect(reserveRates({ asset: 'A', config: CONFIG, data }, take).supplyApr).toBe(want)
  })

  it.each([
    [0n, 365n, 0n],
    [10_000_000n, 1n, 10_000_000n],
    [1_000_000n, 1n, 1_000_000n],
  ])('compound(%s, %s) = %s', (apr, n, want) => {
    expect(compound(apr, n)).toBe(want)
  })

  it('utilisation is capped at 100% when liabilities exceed supply', () => {
    expect(utilization({ asset: 'A', config: CONFIG, data: { ...DATA, d_supply: 200_0000000n } })).toBe(
      10_000_000n,
    )
  })
})
