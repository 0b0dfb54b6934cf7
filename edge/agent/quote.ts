/**
 * Pure order-book arithmetic for market orders and path payments, in bigint stroops and exact rational
 * prices: what an amount would cost or fetch by walking the live book, and the slippage-bounded limit.
 */
import { amountProblem, fromStroops, toStroops } from '../../shared/schemas/money.ts'
import type { OrderBook } from '../stellar/horizon-schemas.ts'

export type Rational = { readonly n: bigint; readonly d: bigint }
type Level = { readonly price: Rational; readonly amount: bigint }

/** Slippage as parts per 10^9 ("1" percent → 10_000_000). */
export function slippagePpb(percent: string | null): bigint | string {
  const p = percent ?? '1'
  const problem = amountProblem(p)
  if (problem) return `max_slippage_percent: ${problem}`
  const ppb = toStroops(p) * 100n // percent with 7 decimals → parts per 1e9
  return ppb > 500_000_000n ? 'max_slippage_percent must be at most 50' : ppb
}

export function levels(side: OrderBook['asks']): Level[] {
  return side.map((l) => ({
    price: l.price_r
      ? { n: BigInt(l.price_r.n), d: BigInt(l.price_r.d) }
      : { n: toStroops(l.price), d: 10_000_000n },
    amount: toStroops(l.amount),
  }))
}

/**
 * Walks asks (offers selling `base` for `counter`, amount in base, price counter per base) to buy `want`
 * base units. Returns the counter cost and the worst price touched, or undefined if the book is too thin.
 */
export function costToBuy(
  asks: readonly Level[],
  want: bigint,
): { cost: bigint; worst: Rational } | undefined {
  let left = want
  let cost = 0n
  let worst: Rational | undefined
  for (const l of asks) {
    if (left <= 0n) break
    // biome-ignore lint/complexity/useMathMinMax: bigint stroops; Math.min throws on bigint
    const take = l.amount < left ? l.amount : left
    cost += ceilDiv(take * l.price.n, l.price.d)
    left -= take
    worst = l.price
  }
  return left > 0n || !worst ? undefined : { cost, worst }
}

/** Walks asks to spend `spend` counter units; returns the base received. */
export function receivedFor(
  asks: readonly Level[],
  spend: bigint,
): { received: bigint; worst: Rational } | undefined {
  let left = spend
  let got = 0n
  let worst: Rational | undefined
  for (const l of asks) {
    if (left <= 0n) break
    const levelCost = ceilDiv(l.amount * l.price.n, l.price.d)
    if (levelCost <= left) {
      got += l.amount
      left -= levelCost
    } else {
      got += (left * l.price.d) / l.price.n
      left = 0n
    }
    worst = l.price
  }
  return left > 0n || !worst ? undefined : { received: got, worst }
}

/** amount × (1 ± slippage), rounded against the trader, as a decimal string. */
export function withSlippage(stroops: bigint, ppb: bigint, direction: 'up' | 'down'): string {
  const scaled =
    direction === 'up'
      ? ceilDiv(stroops * (1_000_000_000n + ppb), 1_000_000_000n)
      : (stroops * (1_000_000_000n - ppb)) / 1_000_000_000n
  return fromStroops(scaled)
}

/** A rational price × (1 ± slippage) as a 7-decimal string (what Stellar price strings hold). */
export function priceWithSlippage(p: Rational, ppb: bigint, direction: 'up' | 'down'): string {
  const num = p.n * 10_000_000n * (direction === 'up' ? 1_000_000_000n + ppb : 1_000_000_000n - ppb)
  const den = p.d * 1_000_000_000n
  const stroops = direction === 'up' ? ceilDiv(num, den) : num / den
  return fromStroops(stroops > 0n ? stroops : 1n)
}

export const priceString = (p: Rational): string => fromStroops((p.n * 10_000_000n) / p.d)

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b
