/**
 * Reads a Blend v2 pool through Soroban RPC `getLedgerEntries` — the same keys blend-sdk-js reads
 * (instance `Config`/`Name`, `ResList`, `ResConfig(asset)`, `ResData(asset)`, `EmisData(id)`,
 * `Positions(user)`), parsed with zod — and brings each reserve forward to `now` as `Reserve::load` does.
 * A missing pool is ERR_DEFI_UNKNOWN_POOL; a malformed one is an upstream failure, never a zero.
 */
import { Address, xdr } from '@stellar/stellar-sdk/base'
import { AppError } from '../../../shared/errors.ts'
import {
  type ContractReader,
  contractDataKey,
  contractDataVal,
  instanceKey,
  instanceStorage,
} from '../contract-reader.ts'
import {
  type Parsed,
  parseAddressList,
  parseEmission,
  parsePoolConfig,
  parsePositions,
  parseReserveConfig,
  parseReserveData,
  parseString,
  type ReserveEmission,
} from './parse.ts'
import { EMPTY_POSITIONS, type PoolState, type Positions } from './pool.ts'
import { bTokenId, dTokenId } from './requests.ts'
import { accrueReserve, type Reserve } from './reserve.ts'

const sym = (s: string) => xdr.ScVal.scvSymbol(s)
const key = (name: string, arg: xdr.ScVal) => xdr.ScVal.scvVec([sym(name), arg])
const addr = (id: string) => new Address(id).toScVal()

function must<T>(p: Parsed<T>, where: string): T {
  if (!p.ok) throw new AppError('ERR_UPSTREAM_UNAVAILABLE', `unexpected Blend state at ${where}`, p.problem)
  return p.value
}

/** Keys are matched by their XDR, since entries come back in any order. */
async function fetchAll(rpc: ContractReader, keys: readonly xdr.LedgerKey[]) {
  const got = await rpc.ledgerEntries(keys)
  const byKey = new Map<string, xdr.LedgerEntryData>()
  for (const e of got.entries) byKey.set(e.key.toXDR('base64'), e.val)
  return (k: xdr.LedgerKey) => byKey.get(k.toXDR('base64'))
}

export type PoolRead = PoolState & {
  /** The reserves as stored, before accrual to `now` (rates are quoted from these, as blend-sdk-js does). */
  readonly stored: readonly Reserve[]
  /** Supply (b-token) and borrow (d-token) emissions by reserve index, when configured. */
  readonly emissions: ReadonlyMap<
    number,
    { readonly supply?: ReserveEmission; readonly borrow?: ReserveEmission }
  >
}

export async function loadPool(rpc: ContractReader, poolId: string, now: bigint): Promise<PoolRead> {
  const inst = instanceKey(poolId)
  const list = contractDataKey(poolId, sym('ResList'))
  const first = await fetchAll(rpc, [inst, list])
  const instance = first(inst)
  const storage = instance ? instanceStorage(instance) : undefined
  if (!storage) throw new AppError('ERR_DEFI_UNKNOWN_POOL', `no Blend pool at ${poolId}`)
  const slot = (name: string) =>
    storage.find((e) => e.key.type === 'scvSymbol' && e.key.sym.toString() === name)?.val
  const cfg = slot('Config')
  if (!cfg) throw new AppError('ERR_DEFI_UNKNOWN_POOL', `${poolId} is not a Blend v2 pool`)
  const config = must(parsePoolConfig(cfg), 'Config')
  const nameVal = slot('Name')
  const name = nameVal ? must(parseString(nameVal), 'Name') : poolId
  const listEntry = first(list)
  const listVal = listEntry ? contractDataVal(listEntry) : undefined
  const assets = listVal ? must(parseAddressList(listVal), 'ResList') : []

  const keys = assets.flatMap((a, i) => [
    contractDataKey(poolId, key('ResConfig', addr(a))),
    contractDataKey(poolId, key('ResData', addr(a))),
    contractDataKey(poolId, key('EmisData', xdr.ScVal.scvU32(dTokenId(i)))),
    contractDataKey(poolId, key('EmisData', xdr.ScVal.scvU32(bTokenId(i)))),
  ])
  const get = await fetchAll(rpc, keys)
  const stored: Reserve[] = []
  const emissions = new Map<number, { supply?: ReserveEmission; borrow?: ReserveEmission }>()
  assets.forEach((asset, i) => {
    const [kc, kd, ke, kb] = keys.slice(i * 4, i * 4 + 4)
    const c = kc && get(kc)
    const d = kd && get(kd)
    const cv = c ? contractDataVal(c) : undefined
    const dv = d ? contractDataVal(d) : undefined
    if (!cv || !dv)
      throw new AppError('ERR_UPSTREAM_UNAVAILABLE', `reserve ${asset} of ${poolId} is incomplete`)
    const rc = must(parseReserveConfig(cv), `ResConfig(${asset})`)
    if (rc.index !== i) throw new AppError('ERR_UPSTREAM_UNAVAILABLE', `reserve ${asset} index mismatch`)
    stored.push({ asset, config: rc, data: must(parseReserveData(dv), `ResData(${asset})`) })
    const em = (k: xdr.LedgerKey | undefined) => {
      const e = k && get(k)
      const v = e ? contractDataVal(e) : undefined
      return v ? must(parseEmission(v), 'EmisData') : undefined
    }
    const borrow = em(ke)
    const supply = em(kb)
    if (borrow || supply) emissions.set(i, { ...(borrow ? { borrow } : {}), ...(supply ? { supply } : {}) })
  })
  const reserves = stored.map((r) => (now > r.data.last_time ? accrueReserve(r, config.bstop_rate, now) : r))
  return { id: poolId, name, config, reserves, stored, emissions, timestamp: now }
}

export async function loadPositions(rpc: ContractReader, poolId: string, user: string): Promise<Positions> {
  const k = contractDataKey(poolId, key('Positions', addr(user)))
  const got = await fetchAll(rpc, [k])
  const e = got(k)
  const v = e ? contractDataVal(e) : undefined
  return v ? must(parsePositions(v), 'Positions') : EMPTY_POSITIONS
}

/** The backstop's reward zone (`RZ`): the pools that earn BLND emissions. */
export async function loadRewardZone(rpc: ContractReader, backstop: string): Promise<string[]> {
  const k = contractDataKey(backstop, sym('RZ'))
  const got = await fetchAll(rpc, [k])
  const e = got(k)
  const v = e ? contractDataVal(e) : undefined
  return v ? must(parseAddressList(v), 'RZ') : []
}
