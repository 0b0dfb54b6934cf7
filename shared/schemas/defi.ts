/**
 * The positions view on the wire (GET /api/accounts/:id/positions): what an account has supplied or
 * borrowed where, at what APY. Amounts are decimal strings in the token's own decimals; APYs are fractions
 * as decimal strings ("0.061055" = 6.1055%). No USD value: a price would have to come from the pool's
 * oracle, and this view does not ask it.
 */
import { z } from 'zod'

const decimal = z.string().regex(/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/)

export const BlendPositionSchema = z
  .object({
    protocol: z.literal('blend'),
    poolId: z.string(),
    poolName: z.string(),
    asset: z.string(),
    symbol: z.string().optional(),
    reserveIndex: z.number().int().min(0),
    kind: z.enum(['supply', 'collateral', 'borrow']),
    amount: decimal,
    apy: decimal,
  })
  .strict()

export const VaultPositionSchema = z
  .object({
    protocol: z.literal('defindex'),
    vault: z.string(),
    name: z.string(),
    shares: decimal,
    amounts: z.array(
      z.object({ asset: z.string(), symbol: z.string().optional(), amount: decimal }).strict(),
    ),
    /** From the share price over the RPC's event history; absent with under a day of history. */
    apy: decimal.optional(),
  })
  .strict()

export const PositionsViewSchema = z
  .object({
    accountId: z.string(),
    publicKey: z.string(),
    blend: z.array(BlendPositionSchema),
    defindex: z.array(VaultPositionSchema),
    /** Protocols that could not be read right now (their positions are unknown, not zero). */
    unavailable: z.array(z.enum(['blend', 'defindex'])),
  })
  .strict()
export type PositionsView = z.infer<typeof PositionsViewSchema>
export type BlendPosition = z.infer<typeof BlendPositionSchema>
