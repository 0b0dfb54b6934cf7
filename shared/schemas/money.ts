/**
 * Money on the wire is a decimal string; inside, it is stroops as a bigint.
 * A JS number never holds an amount: 0.1 + 0.2 is not a price anyone agreed to.
 */
import { z } from 'zod'
import { StellarAccountIdSchema } from './stellar.ts'

export const STROOPS_PER_UNIT = 10_000_000n
/** Stellar amounts are signed 64-bit stroops. */
export const MAX_STROOPS = 9_223_372_036_854_775_807n
export const MAX_DECIMALS = 7

// Plain digits, no sign, no exponent, no leading zeros, no whitespace, at most 7 places.
const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]{1,7})?$/

/** Parses a canonical decimal string to stroops. Throws only on input the schema would reject. */
export function toStroops(amount: string): bigint {
  const m = DECIMAL.exec(amount)
  if (!m) throw new RangeError('not a decimal amount')
  const whole = m[1] ?? '0'
  const frac = (m[2] ?? '.').slice(1).padEnd(MAX_DECIMALS, '0')
  return BigInt(whole) * STROOPS_PER_UNIT + BigInt(frac)
}

/** Stroops to the shortest decimal string that round-trips ("10", "0.5", "0.0000001"). */
export function fromStroops(stroops: bigint): string {
  const neg = stroops < 0n
  const abs = neg ? -stroops : stroops
  const whole = abs / STROOPS_PER_UNIT
  const frac = (abs % STROOPS_PER_UNIT).toString().padStart(MAX_DECIMALS, '0').replace(/0+$/, '')
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`
}

/** Explains why a string is not an amount, or returns undefined when it is one. */
export function amountProblem(value: string, maxStroops: bigint = MAX_STROOPS): string | undefined {
  if (value.length === 0) return 'amount is empty'
  if (value.trim() !== value) return 'amount must not contain whitespace'
  if (value.startsWith('-')) return 'amount must be positive'
  if (value.startsWith('+')) return 'amount must be plain digits without a sign'
  if (/[eE]/.test(value) && /^[0-9.]+[eE]/.test(value)) return 'amount must not use exponent notation'
  if (/^0[xXoObB]/.test(value)) return 'amount must be a decimal number'
  if (/^[0-9]+\.[0-9]{8,}$/.test(value)) return `amount has more than ${MAX_DECIMALS} decimal places`
  if (!DECIMAL.test(value)) return 'amount must be a decimal string such as "10" or "0.5"'
  const stroops = toStroops(value)
  if (stroops === 0n) return 'amount must be greater than zero'
  if (stroops > maxStroops) return `amount must be at most ${fromStroops(maxStroops)}`
  return undefined
}

/** An amount schema with an optional ceiling (in stroops); the parsed value stays a string. */
export function amountSchema(maxStroops: bigint = MAX_STROOPS) {
  return z
    .string({ error: 'amount must be a string such as "10.5", never a number' })
    .superRefine((value, ctx) => {
      const problem = amountProblem(value, maxStroops)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    })
    .describe('Decimal string with at most 7 decimal places, for example "10" or "0.25"')
}

export const AmountSchema = amountSchema()
export type Amount = z.infer<typeof AmountSchema>

/** 1–12 ASCII letters or digits: alphanum4 up to 4, alphanum12 from 5 to 12. */
export const AssetCodeSchema = z
  .string()
  .regex(/^[A-Za-z0-9]{1,12}$/, 'asset code must be 1 to 12 letters or digits')
  .describe('Asset code, 1 to 12 letters or digits, for example "USDC"')

export const NativeAssetSchema = z.object({ type: z.literal('native') }).strict()
export const IssuedAssetSchema = z
  .object({ type: z.literal('credit'), code: AssetCodeSchema, issuer: StellarAccountIdSchema })
  .strict()
  // An issued "XLM" is a classic impersonation of the native asset.
  .refine((a) => a.code.toUpperCase() !== 'XLM', {
    message: 'XLM is the native asset and has no issuer',
    path: ['code'],
  })
export const AssetSchema = z.union([NativeAssetSchema, IssuedAssetSchema])
export type Asset = z.infer<typeof AssetSchema>

/** The canonical string form used in configs and ledgers: "native" or "CODE:ISSUER". */
export function assetKey(asset: Asset): string {
  return asset.type === 'native' ? 'native' : `${asset.code}:${asset.issuer}`
}
