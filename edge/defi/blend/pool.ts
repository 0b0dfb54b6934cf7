/**
 * A Blend v2 pool's state as the client sees it: `PoolConfig` (instance storage `Config`), the reserves in
 * reserve-list order, and a user's `Positions` (b/d-token balances keyed by reserve index). Status gates
 * follow `Pool::require_action_allowed` (`pool/src/pool/pool.rs`): any status above 1 (on ice, frozen,
 * setup) stops borrowing; above 3 (frozen, setup) also stops supplying. Withdraw and repay stay open.
 */
import { fail, ok, type Result } from '../../../shared/result.ts'
import { REQUEST_TYPES, type RequestKind } from './requests.ts'
import type { Reserve } from './reserve.ts'

export type PoolConfig = {
  readonly oracle: string
  /** Minimum collateral (oracle base units) to open a liability; absent in v1. */
  readonly min_collateral: bigint
  /** The backstop's take of accrued interest, 7 decimals. */
  readonly bstop_rate: bigint
  readonly status: number
  readonly max_positions: number
}

export type PoolState = {
  readonly id: string
  readonly name: string
  readonly config: PoolConfig
  /** Ordered by reserve index (`ResList`). */
  readonly reserves: readonly Reserve[]
  /** Ledger close time (seconds) the state was read at, reserves already accrued to it. */
  readonly timestamp: bigint
}

export type Positions = {
  readonly liabilities: ReadonlyMap<number, bigint>
  readonly collateral: ReadonlyMap<number, bigint>
  readonly supply: ReadonlyMap<number, bigint>
}

export const EMPTY_POSITIONS: Positions = Object.freeze({
  liabilities: new Map(),
  collateral: new Map(),
  supply: new Map(),
})

export const POOL_STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'admin active',
  1: 'active',
  2: 'admin on ice',
  3: 'on ice',
  4: 'admin frozen',
  5: 'frozen',
  6: 'setup',
}

export const statusName = (status: number) => POOL_STATUS_NAMES[status] ?? `unknown status ${status}`

/** `Pool::require_action_allowed`, as a value. */
export function poolAllows(status: number, kind: RequestKind): Result<true> {
  const t = REQUEST_TYPES[kind]
  if ((status > 1 && t === REQUEST_TYPES.borrow) || (status > 3 && (t === 0 || t === 2)))
    return fail('ERR_DEFI_POOL_STATUS', `the pool is ${statusName(status)}: ${kind} is not allowed now`)
  return ok(true)
}

/** `Reserve::require_action_allowed`: a disabled reserve takes no new supply or borrowing. */
export function reserveAllows(r: Reserve, kind: RequestKind): Result<true> {
  if (!r.config.enabled && (kind === 'supply' || kind === 'supplyCollateral' || kind === 'borrow'))
    return fail('ERR_DEFI_RESERVE_DISABLED', `the reserve is disabled: ${kind} is not allowed`)
  return ok(true)
}

export const reserveOf = (pool: PoolState, asset: string): Reserve | undefined =>
  pool.reserves.find((r) => r.asset === asset)
