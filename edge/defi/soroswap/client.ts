/**
 * Soroswap reads and prepared swaps: the pair through the factory (`get_pair`), its reserves
 * (`get_reserves`), the router's own quote (`router_get_amounts_out`, by simulation) and an exact-in swap with
 * a slippage bound and a deadline, after checking the user's balance. The aggregator's split quotes come
 * from Soroswap's off-chain API, which this client does not call: the router quote is the one used.
 */

import type { xdr } from '@stellar/stellar-sdk/base'
import { scValToNative } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import { AppError } from '../../../shared/errors.ts'
import { fail, ok, type Result } from '../../../shared/result.ts'
import type { DefiDeps } from '../blend/client.ts'
import { readCall } from '../contract-reader.ts'
import { defiDeployments } from '../deployments.ts'
import { address, i128, vec } from '../scval.ts'
import { tokenBalance } from '../token.ts'
import { minimumOut } from './quote.ts'
import { routerSwapOperation } from './swap.ts'

export const DEFAULT_DEADLINE_SECONDS = 300n

function soroswapOf(deps: DefiDeps) {
  const s = defiDeployments(deps.network).soroswap
  if (!s) throw new AppError('ERR_NETWORK_UNSUPPORTED', `Soroswap is not deployed on ${deps.network.name}`)
  return s
}

/** The pair contract for two tokens, or undefined when the factory has none. */
export async function soroswapPair(
  deps: DefiDeps,
  tokenA: string,
  tokenB: string,
): Promise<string | undefined> {
  const { factory } = soroswapOf(deps)
  try {
    const v = scValToNative(
      await readCall(deps.rpc, deps.network.passphrase, factory, 'get_pair', [
        address(tokenA),
        address(tokenB),
      ]),
    )
    return z.string().length(56).parse(v)
  } catch (e) {
    if (e instanceof AppError && e.code === 'ERR_TX_SIMULATION_FAILED') return undefined
    throw e
  }
}

export async function pairReserves(deps: DefiDeps, pair: string): Promise<readonly [bigint, bigint]> {
  const v = scValToNative(await readCall(deps.rpc, deps.network.passphrase, pair, 'get_reserves', []))
  return z.tuple([z.bigint().min(0n), z.bigint().min(0n)]).parse(v)
}

/** `router_get_amounts_out(amount_in, path)`: the amounts at each hop, as the router will compute them. */
export async function routerQuote(
  deps: DefiDeps,
  amountIn: bigint,
  path: readonly string[],
): Promise<Result<bigint[]>> {
  const { router } = soroswapOf(deps)
  try {
    const v = scValToNative(
      await readCall(deps.rpc, deps.network.passphrase, router, 'router_get_amounts_out', [
        i128(amountIn),
        vec(path.map(address)),
      ]),
    )
    return ok(z.array(z.bigint().min(0n)).min(2).parse(v))
  } catch (e) {
    if (e instanceof AppError && e.code === 'ERR_TX_SIMULATION_FAILED')
      return fail('ERR_DEFI_NO_ROUTE', 'Soroswap has no route for this pair')
    throw e
  }
}

export type PreparedSwap = {
  readonly operation: xdr.Operation
  readonly quote: bigint
  readonly amountOutMin: bigint
  readonly deadline: bigint
  readonly path: readonly string[]
}

export async function prepareSoroswapSwap(
  deps: DefiDeps,
  args: {
    readonly user: string
    readonly tokenIn: string
    readonly tokenOut: string
    readonly amountIn: bigint
    readonly slippageBps: number
  },
): Promise<Result<PreparedSwap>> {
  const path = [args.tokenIn, args.tokenOut]
  if (!(await soroswapPair(deps, args.tokenIn, args.tokenOut)))
    return fail('ERR_DEFI_NO_ROUTE', 'Soroswap has no pair for these tokens')
  const q = await routerQuote(deps, args.amountIn, path)
  if (!q.ok) return q
  const quote = q.value[q.value.length - 1] ?? 0n
  const min = minimumOut(quote, args.slippageBps)
  if (!min.ok) return min
  const have = await tokenBalance(deps.rpc, deps.network.passphrase, args.tokenIn, args.user)
  if (have < args.amountIn)
    return fail('ERR_DEFI_INSUFFICIENT_BALANCE', 'the account holds less than the amount to swap')
  const now = deps.now()
  const deadline = now + DEFAULT_DEADLINE_SECONDS
  const op = routerSwapOperation(
    soroswapOf(deps).router,
    { amountIn: args.amountIn, amountOutMin: min.value, path, to: args.user, deadline },
    now,
  )
  if (!op.ok) return op
  return ok({ operation: op.value, quote, amountOutMin: min.value, deadline, path })
}
