/**
 * Blend storage parsed at the trust boundary: well-formed v2 structs parse; anything else is refused (the
 * reader turns a refusal into ERR_UPSTREAM_UNAVAILABLE, never a zero).
 */
import { nativeToScVal, xdr } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { parsePoolConfig, parsePositions, parseReserveData } from '../../edge/defi/blend/parse.ts'

const sym = (s: string) => xdr.ScVal.scvSymbol(s)
const struct = (fields: Record<string, xdr.ScVal>) =>
  xdr.ScVal.scvMap(
    Object.keys(fields)
      .sort()
      .map((k) => new xdr.ScMapEntry({ key: sym(k), val: fields[k] as xdr.ScVal })),
  )
const i128 = (v: bigint) => nativeToScVal(v, { type: 'i128' })
const u64 = (v: bigint) => nativeToScVal(v, { type: 'u64' })
const u32 = (v: number) => xdr.ScVal.scvU32(v)
const map = (entries: [xdr.ScVal, xdr.ScVal][]) =>
  xdr.ScVal.scvMap(entries.map(([key, val]) => new xdr.ScMapEntry({ key, val })))

const DATA = {
  b_rate: i128(1_095_073_860_000n),
  b_supply: i128(30_104_839_071_593n),
  backstop_credit: i128(1_286_675_294n),
  d_rate: i128(1_147_908_295_000n),
  d_supply: i128(18_784_450_084_275n),
  ir_mod: i128(14_334_708n),
  last_time: u64(1_736_780_875n),
}

describe('ReserveData', () => {
  it('parses the snapshot USDC reserve (converted to v2)', () => {
    const r = parseReserveData(struct(DATA))
    expect(r.ok && r.value.ir_mod).toBe(14_334_708n)
  })
  it.each([
    ['a negative b_rate', { ...DATA, b_rate: i128(-1n) }],
    ['a missing d_rate', (({ d_rate: _, ...rest }) => rest)(DATA)],
    ['a string supply', { ...DATA, b_supply: xdr.ScVal.scvString('30104839071593') }],
    ['a u32 where an i128 belongs', { ...DATA, ir_mod: u32(1) }],
    ['a vec instead of a struct', null],
  ])('refuses %s', (_n, fields) => {
    const v = fields === null ? xdr.ScVal.scvVec([]) : struct(fields as Record<string, xdr.ScVal>)
    expect(parseReserveData(v).ok).toBe(false)
  })
})

describe('PoolConfig', () => {
  const CFG = {
    bstop_rate: u32(2_000_000),
    max_positions: u32(4),
    min_collateral: i128(0n),
    oracle: nativeToScVal('CATKK5ZNJCKQQWTUWIUFZMY6V6MOQUGSTFSXMNQZHVJHYF7GVV36FB3Y', { type: 'address' }),
    status: u32(1),
  }
  it('parses a v2 config', () => expect(parsePoolConfig(struct(CFG)).ok).toBe(true))
  it.each([
    ['a v1 config (no min_collateral)', (({ min_collateral: _, ...rest }) => rest)(CFG)],
    ['a status that is not a u32', { ...CFG, status: i128(1n) }],
    ['an oracle that is not an address', { ...CFG, oracle: sym('oracle') }],
  ])('refuses %s', (_n, fields) =>
    expect(parsePoolConfig(struct(fields as Record<string, xdr.ScVal>)).ok).toBe(false),
  )
})

describe('Positions (keyed by reserve index)', () => {
  it('parses maps of u32 → i128', () => {
    const r = parsePositions(
      struct({ collateral: map([]), liabilities: map([]), supply: map([[u32(1), i128(913_180_000n)]]) }),
    )
    expect(r.ok && [...r.value.supply]).toEqual([[1, 913_180_000n]])
  })
  it.each([
    [
      'keyed by asset symbol',
      struct({ collateral: map([]), liabilities: map([]), supply: map([[sym('USDC'), i128(1n)]]) }),
    ],
    [
      'a negative balance',
      struct({ collateral: map([]), liabilities: map([]), supply: map([[u32(0), i128(-1n)]]) }),
    ],
    ['a missing side', struct({ collateral: map([]), supply: map([]) })],
  ])('refuses positions %s', (_n, v) => expect(parsePositions(v).ok).toBe(false))
})
