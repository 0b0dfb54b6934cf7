/**
 * Token moves (SEP-41; Stellar Asset Contracts implement it): `transfer(from, to, amount)`,
 * `burn(from, amount)` and `approve(from, spender, amount, expiration_ledger)`. An allowance can be drained
 * later by its spender, so `approve` counts as spending now and its spender is checked like a payee.
 * Source: stellar/rs-soroban-sdk soroban-sdk/src/token.rs (TokenInterface). Pure.
 */
import { arity, type Call, readAddress, readAmount, readU32 } from './read.ts'

export type TokenMove = {
  readonly fn: 'transfer' | 'burn' | 'approve'
  readonly from: string
  /** The payee, or the spender of an allowance; null for burn. */
  readonly to: string | null
  readonly amount: bigint
}

export const TOKEN_MOVE_FNS: ReadonlySet<string> = new Set(['transfer', 'burn', 'approve'])

/** The move this call makes, undefined for any other function; throws a Refusal on unreadable arguments. */
export function tokenMoveOf(call: Call, what: string): TokenMove | undefined {
  const [a0, a1, a2, a3] = call.args
  switch (call.fn) {
    case 'transfer':
      arity(call, 3, what)
      return {
        fn: 'transfer',
        from: readAddress(a0, `${what} from`),
        to: readAddress(a1, `${what} to`),
        amount: readAmount(a2, `${what} amount`),
      }
    case 'burn':
      arity(call, 2, what)
      return {
        fn: 'burn',
        from: readAddress(a0, `${what} from`),
        to: null,
        amount: readAmount(a1, `${what} amount`),
      }
    case 'approve':
      arity(call, 4, what)
      readU32(a3, `${what} expiration_ledger`)
      return {
        fn: 'approve',
        from: readAddress(a0, `${what} from`),
        to: readAddress(a1, `${what} spender`),
        amount: readAmount(a2, `${what} amount`),
      }
    default:
      return undefined
  }
}
