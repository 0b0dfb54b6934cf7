/**
 * Blend v2 pool emulation, serving real mainnet state: the v1 "Fixed XLM-USDC" pool from
 * ../shared/fixtures/defi/blend-v1-mainnet-55261759-snapshot.json (the protocol's own test-suite snapshot).
 *
 * Conversion v1 → v2, at load: `b_rate`/`d_rate` ×1000 (9 → 12 decimals), `ir_mod` ÷100 (9 → 7 decimals),
 * `ReserveConfig` gains `enabled: true` and `supply_cap: i128::MAX` (v1 has no cap), `PoolConfig` gains
 * `min_collateral: 0`, emission config and data merge into v2's `ReserveEmissionData` with `eps` ×1e7
 * (7 → 14 decimals). Every `last_time` moves forward by (stand-in start − snapshot time) so the pool does
 * not accrue the months since the snapshot; rates, supplies and utilisation are the snapshot's.
 *
 * Emulated: `submit` for the six user requests (the same `simulateSubmit` port of `build_actions_from_request`
 * and `validate_submit` the edge uses, so the two cannot drift; PoolError numbers as the contract's), with
 * the user's `transfer(user → pool)` beneath `submit` in the auth tree, the pool paying out with its own
 * transfers, and new `ResData`/`Positions` written to storage; `get_positions`, `get_reserve_list`,
 * `claim` (returns 0: emissions accrual is not emulated). Prices come from the oracle stand-in
 * (./oracle.ts), which has none unless a test sets them (the snapshot has no price data): without them,
 * borrowing or withdrawing collateral against debt fails closed, as `load_price` would panic. Not emulated: flash loans,
 * auctions, `submit_with_allowance`, backstop deposits, emissions accrual and bad debt.
 */
import { readFileSync } from 'node:fs'
import { Address, nativeToScVal, scValToNative, xdr } from '@stellar/stellar-sdk/base'
import { type SubmitOutcome, simulateSubmit } from '../../../../edge/defi/blend/actions.ts'
import type { Prices } from '../../../../edge/defi/blend/health.ts'
import type { PoolState, Positions } from '../../../../edge/defi/blend/pool.ts'
import { loadPool, loadPositions } from '../../../../edge/defi/blend/read.ts'
import { type BlendRequest, REQUEST_TYPES, type RequestKind } from '../../../../edge/defi/blend/requests.ts'
import type { ContractReader } from '../../../../edge/defi/contract-reader.ts'
import { STAND_IN } from '../../../../edge/defi/deployments.ts'
import type { ErrorCode } from '../../../../shared/errors.ts'
import { type Json, parseJsonExact, scValFromJson } from '../xdr-json.ts'
import {
  contractError,
  dataKey,
  done,
  type Emulated,
  type Frame,
  type Host,
  type Invocation,
} from './host.ts'
import { ORACLE_DECIMALS } from './oracle.ts'
import { transferInvocation } from './token.ts'

export const SNAPSHOT_PATH = '../shared/fixtures/defi/blend-v1-mainnet-55261759-snapshot.json'
const I128_MAX = (1n << 127n) - 1n

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

type Snapshot = { timestamp: number; ledger_entries: [Json, [{ data: Json }, number]][] }

const sym = (s: string) => xdr.ScVal.scvSymbol(s)
const entry = (k: string, v: xdr.ScVal) => new xdr.ScMapEntry({ key: sym(k), val: v })
const mapGet = (v: xdr.ScVal, k: string) =>
  v.type === 'scvMap'
    ? v.map?.find((e) => e.key.type === 'scvSymbol' && e.key.sym.toString() === k)?.val
    : undefined
const i128 = (v: bigint) => nativeToScVal(v, { type: 'i128' })
const u64 = (v: bigint) => nativeToScVal(v, { type: 'u64' })
const big = (v: xdr.ScVal | undefined) => BigInt(scValToNative(v ?? xdr.ScVal.scvVoid()) as bigint)
/** Symbol keys in byte order, as the host sorts them ('_' before letters: b_rate < b_supply < backstop_credit). */
const symName = (e: xdr.ScMapEntry) => (e.key.type === 'scvSymbol' ? e.key.sym.toString() : '')
const sorted = (entries: xdr.ScMapEntry[]) =>
  xdr.ScVal.scvMap(entries.sort((a, b) => (symName(a) < symName(b) ? -1 : symName(a) > symName(b) ? 1 : 0)))

function v2ReserveData(v1: xdr.ScVal, shift: bigint): xdr.ScVal {
  return sorted([
    entry('b_rate', i128(big(mapGet(v1, 'b_rate')) * 1000n)),
    entry('b_supply', i128(big(mapGet(v1, 'b_supply')))),
    entry('backstop_credit', i128(big(mapGet(v1, 'backstop_credit')))),
    entry('d_rate', i128(big(mapGet(v1, 'd_rate')) * 1000n)),
    entry('d_supply', i128(big(mapGet(v1, 'd_supply')))),
    entry('ir_mod', i128(big(mapGet(v1, 'ir_mod')) / 100n)),
    entry('last_time', u64(big(mapGet(v1, 'last_time')) + shift)),
  ])
}

function v2ReserveConfig(v1: xdr.ScVal): xdr.ScVal {
  const kept = v1.type === 'scvMap' ? [...(v1.map ?? [])] : []
  return sorted([...kept, entry('enabled', xdr.ScVal.scvBool(true)), entry('supply_cap', i128(I128_MAX))])
}

function v2PoolConfig(v1: xdr.ScVal): xdr.ScVal {
  const kept = v1.type === 'scvMap' ? [...(v1.map ?? [])] : []
  return sorted([...kept, entry('min_collateral', i128(0n))])
}

/** Loads the pool, its reserves and emissions, the backstop's reward zone and the pool's token balances. */
export function loadBlendSnapshot(host: Host, ids: { pool: string; backstop: string }, startedAt: bigint) {
  const snap = parseJsonExact(readFileSync(SNAPSHOT_PATH, 'utf8')) as unknown as Snapshot
  const shift = startedAt - BigInt(snap.timestamp)
  const emisConfig = new Map<number, xdr.ScVal>()
  const emisData = new Map<number, xdr.ScVal>()
  for (const [, [e]] of snap.ledger_entries) {
    const cd = (e.data as { contract_data?: { contract: string; key: Json; val: Json } }).contract_data
    if (!cd) continue
    const isBalance =
      JSON.stringify(cd.key).includes('"Balance"') && JSON.stringify(cd.key).includes(ids.pool)
    if (cd.contract !== ids.pool && cd.contract !== ids.backstop && !isBalance) continue
    if (cd.contract === ids.backstop && !JSON.stringify(cd.key).includes('"RZ"')) continue
    const key = scValFromJson(cd.key)
    const val = scValFromJson(cd.val)
    const tag = key.type === 'scvVec' ? key.vec?.[0] : key
    const name = tag?.type === 'scvSymbol' ? tag.sym.toString() : undefined
    const arg = key.type === 'scvVec' ? key.vec?.[1] : undefined
    if (cd.contract === ids.pool) {
      if (key.type === 'scvLedgerKeyContractInstance' && val.type === 'scvContractInstance') {
        const storage = (val.instance.storage ?? []).map((s) =>
          s.key.type === 'scvSymbol' && s.key.sym.toString() === 'Config'
            ? entry('Config', v2PoolConfig(s.val))
            : s,
        )
        host.storage.set(
          dataKey(ids.pool, key),
          xdr.ScVal.scvContractInstance(
            new xdr.ScContractInstance({ executable: val.instance.executable, storage }),
          ),
        )
      } else if (name === 'ResData') host.storage.set(dataKey(ids.pool, key), v2ReserveData(val, shift))
      else if (name === 'ResConfig') host.storage.set(dataKey(ids.pool, key), v2ReserveConfig(val))
      else if (name === 'ResList' || name === 'Positions') host.storage.set(dataKey(ids.pool, key), val)
      else if (name === 'EmisConfig' && arg?.type === 'scvU32') emisConfig.set(arg.u32, val)
      else if (name === 'EmisData' && arg?.type === 'scvU32') emisData.set(arg.u32, val)
    } else if (cd.contract === ids.backstop && name === 'RZ') {
      host.storage.set(dataKey(ids.backstop, key), val)
    } else if (
      name === 'Balance' &&
      arg?.type === 'scvAddress' &&
      Address.fromScAddress(arg.address).toString() === ids.pool
    ) {
      host.mint(cd.contract, ids.pool, big(mapGet(val, 'amount')))
    }
  }
  for (const [id, data] of emisData) {
    const cfg = emisConfig.get(id)
    if (!cfg) continue
    const v = sorted([
      entry('eps', u64(big(mapGet(cfg, 'eps')) * 10_000_000n)),
      entry('expiration', u64(big(mapGet(cfg, 'expiration')) + shift)),
      entry('index', i128(big(mapGet(data, 'index')) * 10_000_000n)),
      entry('last_time', u64(big(mapGet(data, 'last_time')) + shift)),
    ])
    host.storage.set(dataKey(ids.pool, xdr.ScVal.scvVec([sym('EmisData'), xdr.ScVal.scvU32(id)])), v)
  }
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
  if (pool.config.oracle !== STAND_IN.oracle) return undefined
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

/** Test and dev hook: sets the pool's status in its instance `Config` (1 active, 3 on ice, 5 frozen…). */
export function setPoolStatus(host: Host, poolId: string, status: number): void {
  const k = dataKey(poolId, xdr.ScVal.scvLedgerKeyContractInstance())
  const inst = host.storage.get(k)
  if (inst?.type !== 'scvContractInstance') throw new Error(`no pool instance at ${poolId}`)
  const storage = (inst.instance.storage ?? []).map((s) => {
    if (s.key.type !== 'scvSymbol' || s.key.sym.toString() !== 'Config' || s.val.type !== 'scvMap') return s
    const fields = (s.val.map ?? []).map((f) =>
      f.key.type === 'scvSymbol' && f.key.sym.toString() === 'status'
        ? entry('status', xdr.ScVal.scvU32(status))
        : f,
    )
    return entry('Config', xdr.ScVal.scvMap(fields))
  })
  host.storage.set(
    k,
    xdr.ScVal.scvContractInstance(
      new xdr.ScContractInstance({ executable: inst.instance.executable, storage }),
    ),
  )
}
