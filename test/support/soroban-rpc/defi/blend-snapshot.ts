/**
 * Loads Blend's real mainnet state into the stand-in host: the v1 "Fixed XLM-USDC" pool from
 * ../shared/fixtures/defi/blend-v1-mainnet-55261759-snapshot.json (the protocol's own test-suite snapshot),
 * the v1 backstop's reward zone, and the pool's XLM and USDC balances.
 *
 * Conversion v1 → v2, at load: `b_rate`/`d_rate` ×1000 (9 → 12 decimals), `ir_mod` ÷100 (9 → 7 decimals),
 * `ReserveConfig` gains `enabled: true` and `supply_cap: i128::MAX` (v1 has no cap), `PoolConfig` gains
 * `min_collateral: 0`, emission config and data merge into v2's `ReserveEmissionData` with `eps` ×1e7
 * (7 → 14 decimals). Every `last_time` moves forward by (stand-in start − snapshot time) so the pool does
 * not accrue the months since the snapshot; rates, supplies and utilisation are the snapshot's.
 * Token ids: the snapshot's mainnet XLM and USDC contract ids are rewritten to the ids the stand-in network
 * derives (ids.ts `standInIds`), everywhere they occur (reserve list, reserve keys, balances), before parsing.
 */
import { readFileSync } from 'node:fs'
import { Address, xdr } from '@stellar/stellar-sdk/base'
import { type Json, parseJsonExact, scValFromJson } from '../xdr-json.ts'
import { dataKey, type Host } from './host.ts'
import { big, entry, i128, mapGet, sorted, sym, u64 } from './scval.ts'

export const SNAPSHOT_PATH = '../shared/fixtures/defi/blend-v1-mainnet-55261759-snapshot.json'
const I128_MAX = (1n << 127n) - 1n

type Snapshot = { timestamp: number; ledger_entries: [Json, [{ data: Json }, number]][] }

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
export function loadBlendSnapshot(
  host: Host,
  ids: { pool: string; backstop: string; tokens: Readonly<Record<string, string>> },
  startedAt: bigint,
) {
  let text = readFileSync(SNAPSHOT_PATH, 'utf8')
  for (const [from, to] of Object.entries(ids.tokens)) text = text.replaceAll(from, to)
  const snap = parseJsonExact(text) as unknown as Snapshot
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
