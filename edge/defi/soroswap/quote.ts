/**
 * Soroswap's constant-product quote exactly as soroswap/core `contracts/library/src/quotes.rs` computes it:
 * a 0.3% fee taken by ceiling division (`fee = ceil(amount_in·3/1000)`), then
 * `out = (in − fee)·reserve_out / (reserve_in + in − fee)` floored; a path multiplies hops. The slippage
 * bound is `amount_out_min = floor(quote·(10000 − bps)/10000)`: the router refuses to pay out less.
 */
import { fail, ok, type Result } from '../../../shared/result.ts'

export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): Result<bigint> {
  if (amountIn <= 0n) return fail('ERR_VALIDATION', 'insufficient input amount')
  if (reserveIn <= 0n || reserveOut <= 0n) return fail('ERR_DEFI_NO_ROUTE', 'the pair has no liquidity')
  const fee = (amountIn * 3n + 999n) / 1000n
  const lessFee = amountIn - fee
  return ok((lessFee * reserveOut) / (reserveIn + lessFee))
}

/** One hop's reserves, in path order (reserve of the token going in, of the token coming out). */
export type Hop = { readonly reserveIn: bigint; readonly reserveOut: bigint }

export function getAmountsOut(amountIn: bigint, hops: readonly Hop[]): Result<bigint[]> {
  if (hops.length === 0) return fail('ERR_DEFI_NO_ROUTE', 'a path needs at least two tokens')
  const amounts = [amountIn]
  for (const h of hops) {
    const prev = amounts[amounts.length - 1] ?? 0n
    const next = getAmountOut(prev, h.reserveIn, h.reserveOut)
    if (!next.ok) return next
    amounts.push(next.value)
  }
  return ok(amounts)
}

export const MAX_SLIPPAGE_BPS = 5_000

/** The least the swap may pay out for a quote and a slippage bound in basis points (50 = 0.5%). */
export function minimumOut(quote: bigint, slippageBps: number): Result<bigint> {
  if (!Number.isInteger(slippageBps) || slippageBps < 0 || slippageBps > MAX_SLIPPAGE_BPS)
    return fail(
      'ERR_VALIDATION',
      `slippage must be a whole number of basis points from 0 to ${MAX_SLIPPAGE_BPS}`,
    )
  if (quote <= 0n) return fail('ERR_DEFI_SLIPPAGE', 'the quote pays out nothing')
  return ok((quote * BigInt(10_000 - slippageBps)) / 10_000n)
}
