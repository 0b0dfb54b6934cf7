/**
 * Blend pool storage, parsed at the trust boundary: what Soroban RPC returns is data from the network, so
 * every struct is checked with zod after `scValToNative` (u32 → number, i128/u64 → bigint, Address →
 * string). Shapes are blend-contracts-v2 `pool/src/storage.rs` (`PoolConfig`, `ReserveConfig`,
 * `ReserveData`, `ReserveEmissionData`) and `pool/src/pool/user.rs` (`Positions`).
 */
import { scValToNative, type xdr } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import type { PoolConfig, Positions } from './pool.ts'
import type { ReserveConfig, ReserveData } from './reserve.ts'

const u32 = z.number().int().min(0).max(0xffff_ffff)
const bigU = z.bigint().min(0n)
const strkey = z.string().min(56).max(56)

const PoolConfigSchema = z.object({
  oracle: strkey,
  min_collateral: bigU,
  bstop_rate: u32.transform(BigInt),
  status: u32,
  max_positions: u32,
})

const ReserveConfigSchema = z.object({
  index: u32,
  decimals: u32.max(38),
  c_factor: u32.transform(BigInt),
  l_factor: u32.transform(BigInt),
  util: u32.transform(BigInt),
  max_util: u32.transform(BigInt),
  r_base: u32.transform(BigInt),
  r_one: u32.transform(BigInt),
  r_two: u32.transform(BigInt),
  r_three: u32.transform(BigInt),
  reactivity: u32.transform(BigInt),
  supply_cap: bigU,
  enabled: z.boolean(),
})

const ReserveDataSchema = z.object({
  d_rate: bigU,
  b_rate: bigU,
  ir_mod: bigU,
  b_supply: bigU,
  d_supply: bigU,
  backstop_credit: bigU,
  last_time: bigU,
})

const EmissionDataSchema = z.object({ expiration: bigU, eps: bigU, index: bigU, last_time: bigU })
export type ReserveEmission = z.infer<typeof EmissionDataSchema>

const PositionsSchema = z.object({
  liabilities: z.record(z.string(), bigU),
  collateral: z.record(z.string(), bigU),
  supply: z.record(z.string(), bigU),
})

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string }

function parse<T>(schema: z.ZodType<T>, v: xdr.ScVal, what: string): Parsed<T> {
  let native: unknown
  try {
    native = scValToNative(v)
  } catch {
    return { ok: false, problem: `${what} is not a contract value` }
  }
  const r = schema.safeParse(native)
  return r.success ? { ok: true, value: r.data } : { ok: false, problem: `${what} has an unexpected shape` }
}

export const parsePoolConfig = (v: xdr.ScVal): Parsed<PoolConfig> => parse(PoolConfigSchema, v, 'pool config')
export const parseReserveConfig = (v: xdr.ScVal): Parsed<ReserveConfig> =>
  parse(ReserveConfigSchema, v, 'reserve config')
export const parseReserveData = (v: xdr.ScVal): Parsed<ReserveData> =>
  parse(ReserveDataSchema, v, 'reserve data')
export const parseEmission = (v: xdr.ScVal): Parsed<ReserveEmission> =>
  parse(EmissionDataSchema, v, 'reserve emissions')
export const parseAddressList = (v: xdr.ScVal): Parsed<string[]> => parse(z.array(strkey), v, 'address list')
export const parseString = (v: xdr.ScVal): Parsed<string> => parse(z.string().max(64), v, 'name')

const toMap = (rec: Record<string, bigint>): Map<number, bigint> | undefined => {
  const m = new Map<number, bigint>()
  for (const [k, v] of Object.entries(rec)) {
    const i = Number(k)
    if (!Number.isInteger(i) || i < 0 || String(i) !== k) return undefined
    m.set(i, v)
  }
  return m
}

export function parsePositions(v: xdr.ScVal): Parsed<Positions> {
  const p = parse(PositionsSchema, v, 'positions')
  if (!p.ok) return p
  const liabilities = toMap(p.value.liabilities)
  const collateral = toMap(p.value.collateral)
  const supply = toMap(p.value.supply)
  if (!liabilities || !collateral || !supply)
    return { ok: false, problem: 'positions are keyed by reserve index' }
  return { ok: true, value: { liabilities, collateral, supply } }
}
