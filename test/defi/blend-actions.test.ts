/**
 * `simulateSubmit` against a pool built from the contract tests' default reserve: the transfers a submit
 * makes and every refusal the contract would panic with (pool/src/pool/actions.rs, submit.rs, pool.rs).
 */
import { describe, expect, it } from 'vitest'
import { simulateSubmit } from '../../edge/defi/blend/actions.ts'
import type { Prices } from '../../edge/defi/blend/health.ts'
import { EMPTY_POSITIONS, type PoolState, type Positions } from '../../edge/defi/blend/pool.ts'
import type { BlendRequest } from '../../edge/defi/blend/requests.ts'
import type { Reserve } from '../../edge/defi/blend/reserve.ts'

const XLM = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA'
const USDC = 'CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75'
const OTHER = 'CD25MNVTZDL4Y3XBCPCJXGXATV5WUHHOWMYFF4YBEGU5FCPGMYTVG5JY'

const reserve = (asset: string, index: number, patch: Partial<Reserve['config']> = {}): Reserve => ({
  asset,
  config: {
    index,
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
    ...patch,
  },
  data: {
    b_rate: 1_000_000_000_000n,
    d_rate: 1_000_000_000_000n,
    ir_mod: 10_000_000n,
    b_supply: 100_0000000n,
    d_supply: 75_0000000n,
    last_time: 0n,
    backstop_credit: 0n,
  },
})

const pool = (status = 1, reserves = [reserve(XLM, 0), reserve(USDC, 1)]): PoolState => ({
  id: 'POOL',
  name: 'test',
  config: { oracle: 'O', min_collateral: 1_0000000n, bstop_rate: 2_000_000n, status, max_positions: 4 },
  reserves,
  timestamp: 0n,
})
const prices: Prices = {
  decimals: 7,
  byAsset: new Map([
    [XLM, 1_000_000n],
    [USDC, 10_000_000n],
  ]),
}
const withCollateral: Positions = { ...EMPTY_POSITIONS, collateral: new Map([[1, 10_0000000n]]) }
const req = (kind: BlendRequest['kind'], asset: string, amount: bigint): BlendRequest => ({
  kind,
  asset,
  amount,
})

describe('simulateSubmit: what leaves and what comes back', () => {
  it('supply 100 USDC: the user sends 1_000_000_000 to the pool and holds b-tokens at index 1', () => {
    const r = simulateSubmit(pool(), EMPTY_POSITIONS, [req('supply', USDC, 1_000_000_000n)], undefined)
    if (!r.ok) throw new Error(r.error.message)
    expect([...r.value.spenderTransfers]).toEqual([[USDC, 1_000_000_000n]])
    expect(r.value.poolTransfers.size).toBe(0)
    expect(r.value.positions.supply.get(1)).toBe(1_000_000_000n)
  })
  it('borrow against collateral: the pool sends the amount and the user owes d-tokens', () => {
    const r = simulateSubmit(pool(), withCollateral, [req('borrow', USDC, 1_0000000n)], prices)
    if (!r.ok) throw new Error(r.error.message)
    expect([...r.value.poolTransfers]).toEqual([[USDC, 1_0000000n]])
    expect(r.value.positions.liabilities.get(1)).toBe(1_0000000n)
  })
  it('withdraw more than supplied pays out the whole position (the contract clamps)', () => {
    const p: Positions = { ...EMPTY_POSITIONS, supply: new Map([[0, 5_0000000n]]) }
    const r = simulateSubmit(pool(), p, [req('withdraw', XLM, 9_0000000n)], undefined)
    if (!r.ok) throw new Error(r.error.message)
    expect([...r.value.poolTransfers]).toEqual([[XLM, 5_0000000n]])
    expect(r.value.positions.supply.has(0)).toBe(false)
  })
})

describe('simulateSubmit refusals (before anything is signed)', () => {
  const debt: Positions = { ...withCollateral, liabilities: new Map([[1, 7_0000000n]]) }
  it.each([
    [
      'supply to a frozen pool',
      pool(5),
      EMPTY_POSITIONS,
      [req('supply', USDC, 1n)],
      undefined,
      'ERR_DEFI_POOL_STATUS',
    ],
    [
      'collateral to an admin-frozen pool',
      pool(4),
      EMPTY_POSITIONS,
      [req('supplyCollateral', USDC, 1n)],
      undefined,
      'ERR_DEFI_POOL_STATUS',
    ],
    [
      'borrow from an on-ice pool',
      pool(3),
      withCollateral,
      [req('borrow', USDC, 1n)],
      prices,
      'ERR_DEFI_POOL_STATUS',
    ],
    [
      'borrow from an admin-on-ice pool',
      pool(2),
      withCollateral,
      [req('borrow', USDC, 1n)],
      prices,
      'ERR_DEFI_POOL_STATUS',
    ],
    [
      'supply to a disabled reserve',
      pool(1, [reserve(XLM, 0), reserve(USDC, 1, { enabled: false })]),
      EMPTY_POSITIONS,
      [req('supply', USDC, 1n)],
      undefined,
      'ERR_DEFI_RESERVE_DISABLED',
    ],
    [
      'borrow from a disabled reserve',
      pool(1, [reserve(XLM, 0), reserve(USDC, 1, { enabled: false })]),
      withCollateral,
      [req('borrow', USDC, 1n)],
      prices,
      'ERR_DEFI_RESERVE_DISABLED',
    ],
    [
      'supply past the cap',
      pool(1, [reserve(XLM, 0), reserve(USDC, 1, { supply_cap: 100_0000000n })]),
      EMPTY_POSITIONS,
      [req('supply', USDC, 1n)],
      undefined,
      'ERR_DEFI_SUPPLY_CAP',
    ],
    [
      'a token the pool does not list',
      pool(),
      EMPTY_POSITIONS,
      [req('supply', OTHER, 1n)],
      undefined,
      'ERR_DEFI_UNKNOWN_TOKEN',
    ],
    [
      'a borrow the collateral cannot carry',
      pool(),
      withCollateral,
      [req('borrow', USDC, 6_0000000n)],
      prices,
      'ERR_DEFI_HEALTH_FACTOR',
    ],
    [
      'a borrow with no oracle prices',
      pool(),
      withCollateral,
      [req('borrow', USDC, 1n)],
      undefined,
      'ERR_DEFI_HEALTH_FACTOR',
    ],
    [
      'a collateral withdrawal that breaks health',
      pool(),
      debt,
      [req('withdrawCollateral', USDC, 5_0000000n)],
      prices,
      'ERR_DEFI_HEALTH_FACTOR',
    ],
    [
      'a borrow past max utilisation',
      pool(),
      { ...EMPTY_POSITIONS, collateral: new Map([[0, 90_0000000n]]) },
      [req('borrow', XLM, 21_0000000n)],
      prices,
      'ERR_DEFI_UTILIZATION',
    ],
    [
      'a withdrawal from an empty position',
      pool(),
      EMPTY_POSITIONS,
      [req('withdraw', USDC, 1n)],
      undefined,
      'ERR_DEFI_INSUFFICIENT_BALANCE',
    ],
    [
      'a repay with no debt',
      pool(),
      EMPTY_POSITIONS,
      [req('repay', USDC, 1n)],
      undefined,
      'ERR_DEFI_INSUFFICIENT_BALANCE',
    ],
    ['a zero amount', pool(), EMPTY_POSITIONS, [req('supply', USDC, 0n)], undefined, 'ERR_VALIDATION'],
    [
      'a good request followed by a bad one',
      pool(5),
      EMPTY_POSITIONS,
      [req('withdraw', USDC, 1n), req('supply', USDC, 1n)],
      undefined,
      'ERR_DEFI_INSUFFICIENT_BALANCE',
    ],
  ] as const)('%s', (_name, p, positions, requests, px, code) => {
    const r = simulateSubmit(p, positions, requests, px)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe(code)
  })
})
