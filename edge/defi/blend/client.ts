/**
 * The Blend client the agent tools and the positions route use: which pools exist (the network's known
 * pools and the backstop's reward zone), their reserves with rates, a user's positions, and `submit` /
 * `claim` operations checked against the pool's state first (status gates, disabled reserve, supply cap,
 * utilisation, health factor with oracle prices, the user's balance), so a refusal is a coded error before
 * anything is signed. Threat: a pool id from the model that is not one of these is refused.
 */
import type { xdr } from '@stellar/stellar-sdk/base'
import { AppError } from '../../../shared/errors.ts'
import type { NetworkConfig } from '../../../shared/network.ts'
import { fail, ok, type Result } from '../../../shared/result.ts'
import type { ContractReader } from '../contract-reader.ts'
import { defiDeployments } from '../deployments.ts'
import { tokenBalance } from '../token.ts'
import { type SubmitOutcome, simulateSubmit } from './actions.ts'
import { loadOraclePrices } from './oracle.ts'
import { loadPool, loadPositions, loadRewardZone, type PoolRead } from './read.ts'
import { type BlendRequest, claimOperation, submitOperation } from './requests.ts'
import { type PositionView, positionViews } from './views.ts'

export type DefiDeps = {
  readonly rpc: ContractReader
  readonly network: NetworkConfig
  /** Seconds since the epoch: reserves are accrued to it. */
  readonly now: () => bigint
}

/** Known pools first, then reward-zone pools we did not know; ids unique. */
export async function blendPoolIds(deps: DefiDeps): Promise<string[]> {
  const blend = defiDeployments(deps.network).blend
  if (!blend) return []
  const zone = await loadRewardZone(deps.rpc, blend.backstop)
  return [...new Set([...blend.pools.map((p) => p.id), ...zone])]
}

export async function blendPool(deps: DefiDeps, poolId: string): Promise<PoolRead> {
  const ids = await blendPoolIds(deps)
  if (!ids.includes(poolId))
    throw new AppError('ERR_DEFI_UNKNOWN_POOL', `${poolId} is not a known Blend pool`)
  return loadPool(deps.rpc, poolId, deps.now())
}

/**
 * Every pool: the known ones must load (their failure is the caller's error); a reward-zone pool that is not
 * a readable v2 pool (gone, or a v1 pool in a v1 backstop's zone) is left out of the list, not zeroed.
 */
export async function blendPools(deps: DefiDeps): Promise<PoolRead[]> {
  const known = new Set(defiDeployments(deps.network).blend?.pools.map((p) => p.id) ?? [])
  const ids = await blendPoolIds(deps)
  const loaded = await Promise.all(
    ids.map(async (id) => {
      try {
        return await loadPool(deps.rpc, id, deps.now())
      } catch (e) {
        if (known.has(id) || !(e instanceof AppError)) throw e
        if (e.code === 'ERR_DEFI_UNKNOWN_POOL' || e.code === 'ERR_UPSTREAM_UNAVAILABLE') return undefined
        throw e
      }
    }),
  )
  return loaded.filter((p): p is PoolRead => p !== undefined)
}

export async function blendPositions(
  deps: DefiDeps,
  user: string,
  pools?: readonly PoolRead[],
): Promise<PositionView[]> {
  const all = pools ?? (await blendPools(deps))
  const rows = await Promise.all(
    all.map(async (p) => positionViews(p, await loadPositions(deps.rpc, p.id, user))),
  )
  return rows.flat()
}

export type PreparedSubmit = {
  readonly operation: xdr.Operation
  readonly pool: PoolRead
  readonly outcome: SubmitOutcome
}

export async function prepareBlendSubmit(
  deps: DefiDeps,
  args: { readonly poolId: string; readonly user: string; readonly requests: readonly BlendRequest[] },
): Promise<Result<PreparedSubmit>> {
  let pool: PoolRead
  try {
    pool = await blendPool(deps, args.poolId)
  } catch (e) {
    if (e instanceof AppError && e.code === 'ERR_DEFI_UNKNOWN_POOL') return fail(e.code, e.message)
    throw e
  }
  const positions = await loadPositions(deps.rpc, pool.id, args.user)
  const risky = args.requests.some((r) => r.kind === 'borrow' || r.kind === 'withdrawCollateral')
  const prices = risky
    ? await loadOraclePrices(
        deps.rpc,
        deps.network.passphrase,
        pool.config.oracle,
        pool.reserves.map((r) => r.asset),
      )
    : undefined
  const outcome = simulateSubmit(pool, positions, args.requests, prices)
  if (!outcome.ok) return outcome
  for (const [token, amount] of outcome.value.spenderTransfers) {
    const have = await tokenBalance(deps.rpc, deps.network.passphrase, token, args.user)
    if (have < amount)
      return fail('ERR_DEFI_INSUFFICIENT_BALANCE', `the account holds less of ${token} than this needs`)
  }
  const op = submitOperation(pool.id, args.user, args.requests)
  if (!op.ok) return op
  return ok({ operation: op.value, pool, outcome: outcome.value })
}

/** `claim` of the BLND a user has earned on the given reserve token ids (d = 2·index, b = 2·index + 1). */
export async function prepareBlendClaim(
  deps: DefiDeps,
  args: { readonly poolId: string; readonly user: string; readonly reserveTokenIds: readonly number[] },
): Promise<Result<xdr.Operation>> {
  const ids = await blendPoolIds(deps)
  if (!ids.includes(args.poolId))
    return fail('ERR_DEFI_UNKNOWN_POOL', `${args.poolId} is not a known Blend pool`)
  return claimOperation(args.poolId, args.user, args.reserveTokenIds)
}
