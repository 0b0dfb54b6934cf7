/**
 * What a `submit` would do, computed before anything is signed: `build_actions_from_request` and
 * `validate_submit` (`pool/src/pool/actions.rs`, `submit.rs`) for the six user requests. It returns the new
 * positions and reserves and the transfers the pool will make (spender → pool, pool → user), or the coded
 * refusal the contract would panic with: pool status, disabled reserve, supply cap, utilisation, health
 * factor, max positions. Emissions bookkeeping and liquidation auctions are not modelled (they change no
 * transfer of a user request).
 */
import { fail, ok, type Result } from '../../../shared/result.ts'
import { SCALAR_7 } from '../fixed-math.ts'
import { healthFactorCheck, type Prices } from './health.ts'
import { type PoolState, type Positions, poolAllows, reserveAllows } from './pool.ts'
import { type BlendRequest, checkRequest } from './requests.ts'
import {
  type Reserve,
  toAssetFromBToken,
  toAssetFromDToken,
  toBTokenDown,
  toBTokenUp,
  toDTokenDown,
  toDTokenUp,
  totalSupply,
  utilization,
} from './reserve.ts'

export type SubmitOutcome = {
  readonly pool: PoolState
  readonly positions: Positions
  /** Token → amount the user sends to the pool (the `transfer(user → pool)` the user authorises). */
  readonly spenderTransfers: ReadonlyMap<string, bigint>
  /** Token → amount the pool sends to the user. */
  readonly poolTransfers: ReadonlyMap<string, bigint>
}

type Book = Map<number, bigint>
const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v)
const setOrDrop = (m: Book, i: number, v: bigint) => (v === 0n ? m.delete(i) : m.set(i, v))

export function simulateSubmit(
  pool: PoolState,
  positions: Positions,
  requests: readonly BlendRequest[],
  prices: Prices | undefined,
): Result<SubmitOutcome> {
  const reserves = [...pool.reserves]
  const book = {
    liabilities: new Map(positions.liabilities),
    collateral: new Map(positions.collateral),
    supply: new Map(positions.supply),
  }
  const prevCount = book.liabilities.size + book.collateral.size
  const spender = new Map<string, bigint>()
  const out = new Map<string, bigint>()
  const checkMaxUtil = new Set<number>()
  let checkHealth = false

  for (const request of requests) {
    const checked = checkRequest(request)
    if (!checked.ok) return checked
    const allowed = poolAllows(pool.config.status, request.kind)
    if (!allowed.ok) return allowed
    const idx = reserves.findIndex((r) => r.asset === request.asset)
    const r0 = reserves[idx]
    if (!r0) return fail('ERR_DEFI_UNKNOWN_TOKEN', `the pool has no reserve for ${request.asset}`)
    const i = r0.config.index
    let r: Reserve = r0
    const data = (patch: Partial<Reserve['data']>) => {
      r = { ...r, data: { ...r.data, ...patch } }
    }
    switch (request.kind) {
      case 'supply':
      case 'supplyCollateral': {
        const gate = reserveAllows(r, request.kind)
        if (!gate.ok) return gate
        const minted = toBTokenDown(r, request.amount)
        if (minted <= 0n) return fail('ERR_VALIDATION', 'the amount is too small to mint any b-tokens')
        const side = request.kind === 'supply' ? book.supply : book.collateral
        side.set(i, (side.get(i) ?? 0n) + minted)
        data({ b_supply: r.data.b_supply + minted })
        add(spender, r.asset, request.amount)
        if (totalSupply(r) > r.config.supply_cap)
          return fail('ERR_DEFI_SUPPLY_CAP', 'this would take the reserve past its supply cap')
        break
      }
      case 'withdraw':
      case 'withdrawCollateral': {
        const side = request.kind === 'withdraw' ? book.supply : book.collateral
        const have = side.get(i) ?? 0n
        let burn = toBTokenUp(r, request.amount)
        let tokensOut = request.amount
        if (burn > have) {
          burn = have
          tokensOut = toAssetFromBToken(r, have)
        }
        if (burn <= 0n)
          return fail('ERR_DEFI_INSUFFICIENT_BALANCE', `nothing to ${request.kind} in this reserve`)
        setOrDrop(side, i, have - burn)
        data({ b_supply: r.data.b_supply - burn })
        if (utilization(r) >= SCALAR_7)
          return fail('ERR_DEFI_UTILIZATION', 'the reserve has no free liquidity for this withdrawal')
        add(out, r.asset, tokensOut)
        if (request.kind === 'withdrawCollateral') checkHealth = true
        break
      }
      case 'borrow': {
        const gate = reserveAllows(r, request.kind)
        if (!gate.ok) return gate
        const minted = toDTokenUp(r, request.amount)
        book.liabilities.set(i, (book.liabilities.get(i) ?? 0n) + minted)
        data({ d_supply: r.data.d_supply + minted })
        if (utilization(r) >= SCALAR_7)
          return fail('ERR_DEFI_UTILIZATION', 'the reserve has no free liquidity to lend')
        checkMaxUtil.add(idx)
        add(out, r.asset, request.amount)
        checkHealth = true
        break
      }
      case 'repay': {
        const have = book.liabilities.get(i) ?? 0n
        const burn = toDTokenDown(r, request.amount)
        if (have === 0n)
          return fail('ERR_DEFI_INSUFFICIENT_BALANCE', 'there is no debt to repay in this reserve')
        add(spender, r.asset, request.amount)
        if (burn > have) {
          // Over-repayment: the pool takes the whole amount and refunds the excess (`apply_repay`).
          add(out, r.asset, request.amount - toAssetFromDToken(r, have))
          book.liabilities.delete(i)
          data({ d_supply: r.data.d_supply - have })
        } else {
          if (burn <= 0n) return fail('ERR_VALIDATION', 'the amount is too small to repay any d-tokens')
          setOrDrop(book.liabilities, i, have - burn)
          data({ d_supply: r.data.d_supply - burn })
        }
        break
      }
    }
    reserves[idx] = r
  }

  const count = book.liabilities.size + book.collateral.size
  if (count > prevCount && pool.config.max_positions < count)
    return fail('ERR_VALIDATION', `the pool allows at most ${pool.config.max_positions} positions per user`)
  for (const idx of checkMaxUtil) {
    const r = reserves[idx]
    if (r && utilization(r) > r.config.max_util)
      return fail('ERR_DEFI_UTILIZATION', 'this borrow would take the reserve past its maximum utilisation')
  }
  const next: PoolState = { ...pool, reserves }
  if (checkHealth && book.liabilities.size > 0) {
    const hf = healthFactorCheck(next, book, prices)
    if (!hf.ok) return hf
  }
  return ok({ pool: next, positions: book, spenderTransfers: spender, poolTransfers: out })
}
