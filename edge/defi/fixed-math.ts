/**
 * Fixed-point integer math as the Soroban protocols compute it (script3/soroban-fixed-point-math, used by
 * Blend): `mulFloor(x, y, d) = floor(x·y/d)` with floor toward −∞ and ceil toward +∞, also for negative
 * products (Blend's rate modifier moves down with a negative `util_error`). bigint only: a float here would
 * silently round a user's balance.
 */

export const SCALAR_7 = 10_000_000n
export const SCALAR_12 = 1_000_000_000_000n

function floorDiv(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('division by zero')
  const q = n / d
  // bigint division truncates toward zero; step down when the signs differ and there is a remainder.
  return n % d !== 0n && n < 0n !== d < 0n ? q - 1n : q
}

function ceilDiv(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('division by zero')
  const q = n / d
  return n % d !== 0n && n < 0n === d < 0n ? q + 1n : q
}

/** floor(x · y / denominator) */
export const mulFloor = (x: bigint, y: bigint, denominator: bigint): bigint => floorDiv(x * y, denominator)
/** ceil(x · y / denominator) */
export const mulCeil = (x: bigint, y: bigint, denominator: bigint): bigint => ceilDiv(x * y, denominator)
/** floor(x · denominator / y) */
export const divFloor = (x: bigint, y: bigint, denominator: bigint): bigint => floorDiv(x * denominator, y)
/** ceil(x · denominator / y) */
export const divCeil = (x: bigint, y: bigint, denominator: bigint): bigint => ceilDiv(x * denominator, y)

/** A fixed-point value as a decimal string with `decimals` places, trailing zeros trimmed ("0.1510883"). */
export function fixedToDecimal(value: bigint, decimals: number): string {
  const neg = value < 0n
  const abs = neg ? -value : value
  const scale = 10n ** BigInt(decimals)
  const whole = abs / scale
  const frac = decimals === 0 ? '' : (abs % scale).toString().padStart(decimals, '0').replace(/0+$/, '')
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`
}

/** Parses a plain decimal string ("100", "0.25") into base units of a token with `decimals` places. */
export function decimalToFixed(amount: string, decimals: number): bigint | undefined {
  const m = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/.exec(amount)
  if (!m) return undefined
  const frac = m[2] ?? ''
  if (frac.length > decimals) return undefined
  return BigInt(m[1] ?? '0') * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0')
}
