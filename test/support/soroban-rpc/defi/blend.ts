/**
 * Blend v2 pool emulation over the state blend-snapshot.ts loads (real mainnet data).
 *
 * Emulated: `submit` for the six user requests (the same `simulateSubmit` port of `build_actions_from_request`
 * and `validate_submit` the edge uses, so the two cannot drift; PoolError numbers as the contract's), with
 * the user's `transfer(user → pool)` beneath `submit` in the auth tree, the pool paying out with its own
 * transfers, and new `ResData`/`Positions` written to storage; `get_positions`, `get_reserve_list`,
 * `claim` (returns 0: emissions accrual is not emulated). Prices come from the oracle stand-in
 * (./oracle.ts), which has none unless a test sets them (the snapshot has no price data): without them,
 * borrowing or withdrawing collateral against debt fails closed, as `load_price` would panic. Not emulated:
 * flash loans, auctions, `submit_with_allowance`, backstop deposits, emissions accrual and bad debt.
 */
import { Address, scValToNative, xdr } from '@stellar/stellar-sdk/base'
import { type SubmitOutcome, simulateSubmit } from '../../../../edge/defi/blend/actions.ts'
import type { Prices } from '../../../../edge/defi/blend/health.ts'
import type { PoolState, Positions } from '../../../../edge/defi/blend/pool.ts'
import { loadPool, loadPositions } from '../../../../edge/defi/blend/read.ts'
import { type BlendRequest, REQUEST_TYPES, type RequestKind } from '../../../../edge/defi/blend/requests.ts'
import type { ContractReader } from '../../../../edge/defi/contract-reader.ts'
import type { ErrorCode } from '../../../../shared/errors.ts'
import {
  contractError,
  dataKey,
  done,
  type Emulated,
  type Frame,
  type Host,
  type Invocation,
} from './host.ts'
import { STAND_IN_CONTRACTS } from './ids.ts'
import { ORACLE_DECIMALS } from './oracle.ts'
import { entry, i128, sorted, sym, u64 } from './scval.ts'
import { transferInvocation } from './token.ts'

/** PoolError numbers (pool/src/errors.rs) for the refusals `simulateSubmit` returns. */
const POOL_ERROR: Partial<Record<ErrorCode, number>> = {
  ERR_VALIDATION: 1200,
  ERR_DEFI_HEALTH_FACTOR: 1205,
  ERR_DEFI_POOL_STATUS: 1206,
  ERR_DEFI_UTILIZATION: 1207,
  ERR_DEFI_UNKNOWN_TOKEN: 1209,
  ERR_DEFI_SUPPLY_CAP: 1220,
  ERR_DEFI_RESERVE_DISABLED: 1223,
  ERR_DEFI_INSUFFICIENT_BALANCE: 1217,
}

/** A ContractReader over a frame's storage, so the pool is read with the edge's own reader. */
function frameReader(frame: Frame): ContractReader {
  return {
    async ledgerEntries(keys) {
      const entries = keys.flatMap((k) => {
        const v = frame.storage.get(k.toXDR('base64'))
        if (!v || k.type !== 'contractData') return []
        const val = xdr.LedgerEntryData.contractData(
          new xdr.ContractDataEntry({
            ext: xdr.ExtensionPoint.v0(),
            contract: k.contractData.contract,
            key: k.contractData.key,
            durability: k.contractData.durability,
            val: v,
          }),
        )
        return [{ key: k, val }]
      })
      return { entries, latestLedger: 0 }
    },
    async simulateRetval() {
      return undefined
    },
    async contractEvents() {
      return []
    },
  }
}

const KIND_OF = Object.fromEntries(Object.entries(REQUEST_TYPES).map(([k, v]) => [v, k])) as Record<
  number,
  RequestKind
>

function reserveDataScVal(d: PoolState['reserves'][number]['data']): xdr.ScVal {
  return sorted([
    entry('b_rate', i128(d.b_rate)),
    entry('b_supply', i128(d.b_supply)),
    entry('backstop_credit', i128(d.backstop_credit)),
    entry('d_rate', i128(d.d_rate)),
    entry('d_supply', i128(d.d_supply)),
    entry('ir_mod', i128(d.ir_mod)),
    entry('last_time', u64(d.last_time)),
  ])
}

export function positionsScVal(p: Positions): xdr.ScVal {
  const book = (m: ReadonlyMap<number, bigint>) =>
    xdr.ScVal.scvMap(
      [...m.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => new xdr.ScMapEntry({ key: xdr.ScVal.scvU32(k), val: i128(v) })),
    )
  return sorted([
    entry('collateral', book(p.collateral)),
    entry('liabilities', book(p.liabilities)),
    entry('supply', book(p.supply)),
  ])
}

/** Soroban maps iterate in key order; for contract addresses that is the order of their 32-byte ids. */
const byAddress = (a: string, b: string) => {
  const x = new Address(a).toScAddress().toXDR('hex')
  const y = new Address(b).toScAddress().toXDR('hex')
  return x < y ? -1 : x > y ? 1 : 0
}

export function blendPool(poolId: string): Emulated {
  return {
    async call(host, frame, fn, args) {
      const reader = frameReader(frame)
      switch (fn) {
        case 'get_reserve_list':
          return done(frame.storage.get(dataKey(poolId, sym('ResList'))) ?? xdr.ScVal.scvVec([]))
        case 'get_positions': {
          const [user] = args.map((a) => scValToNative(a) as unknown)
          if (typeof user !== 'string') return { ok: false, error: 'get_positions(address: Address)' }
          return done(positionsScVal(await loadPositions(reader, poolId, user)))
        }
        case 'claim': {
          const [from] = args.map((a) => scValToNative(a) as unknown)
          if (from !== frame.source)
            return { ok: false, error: 'Error(Auth, InvalidAction): from did not authorise' }
          return done(i128(0n))
        }
        case 'submit':
          return submit(host, frame, reader, poolId, args)
        default:
          return { ok: false, error: `Error(WasmVm, MissingValue): the pool stand-in has no function ${fn}` }
      }
    },
  }
}

async function submit(
  host: Host,
  frame: Frame,
  reader: ContractReader,
  poolId: string,
  args: readonly xdr.ScVal[],
) {
  const [from, spender, to, list] = args
  const who = [from, spender, to].map((a) => (a ? (scValToNative(a) as unknown) : undefined))
  if (who.some((w) => w !== frame.source))
    return {
      ok: false as const,
      error: 'Error(Auth, InvalidAction): the stand-in takes from = spender = to = the source account',
    }
  const user = frame.source
  const raw = list?.type === 'scvVec' ? (list.vec ?? []) : []
  const requests: BlendRequest[] = []
  for (const r of raw) {
    const n = scValToNative(r) as { request_type?: unknown; address?: unknown; amount?: unknown }
    const kind = typeof n.request_type === 'number' ? KIND_OF[n.request_type] : undefined
    if (!kind || typeof n.address !== 'string' || typeof n.amount !== 'bigint') return contractError(1200)
    requests.push({ kind, asset: n.address, amount: n.amount })
  }
  const pool = await loadPool(reader, poolId, frame.now)
  const positions = await loadPositions(reader, poolId, user)
  const out = simulateSubmit(pool, positions, requests, oraclePrices(host, pool))
  if (!out.ok) return contractError(POOL_ERROR[out.error.code] ?? 1)
  const moved = applyTransfers(host, frame, poolId, user, out.value)
  if (!moved.ok) return moved
  for (const r of out.value.pool.reserves)
    frame.storage.set(
      dataKey(poolId, xdr.ScVal.scvVec([sym('ResData'), new Address(r.asset).toScVal()])),
      reserveDataScVal(r.data),
    )
  frame.storage.set(
    dataKey(poolId, xdr.ScVal.scvVec([sym('Positions'), new Address(user).toScVal()])),
    positionsScVal(out.value.positions),
  )
  return done(positionsScVal(out.value.positions), moved.auth)
}

/** The pool's oracle as `Pool::load_price` sees it: every reserve priced, or no prices at all. */
function oraclePrices(host: Host, pool: PoolState): Prices | undefined {
  if (pool.config.oracle !== STAND_IN_CONTRACTS.oracle) return undefined
  const byAsset = new Map<string, bigint>()
  for (const r of pool.reserves) {
    const p = host.oraclePrices.get(r.asset)
    if (p !== undefined) byAsset.set(r.asset, p)
  }
  return byAsset.size === pool.reserves.length ? { decimals: ORACLE_DECIMALS, byAsset } : undefined
}

function applyTransfers(host: Host, frame: Frame, poolId: string, user: string, out: SubmitOutcome) {
  const auth: Invocation[] = []
  for (const token of [...out.spenderTransfers.keys()].sort(byAddress)) {
    const amount = out.spenderTransfers.get(token) ?? 0n
    if (!host.move(frame, token, user, poolId, amount)) return contractError(10)
    auth.push(transferInvocation(token, user, poolId, amount))
  }
  for (const token of [...out.poolTransfers.keys()].sort(byAddress)) {
    if (!host.move(frame, token, poolId, user, out.poolTransfers.get(token) ?? 0n)) return contractError(10)
  }
  return { ok: true as const, auth }
}
