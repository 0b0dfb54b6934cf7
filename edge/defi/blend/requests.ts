/**
 * Encoders for the Blend v2 pool's `submit` and `claim` (blend-contracts-v2 `pool/src/contract.rs`):
 *   submit(from: Address, spender: Address, to: Address, requests: Vec<Request>) -> Positions
 *   claim(from: Address, reserve_token_ids: Vec<u32>, to: Address) -> i128
 * `Request { request_type: u32, address: Address, amount: i128 }` is a contracttype struct: an ScMap with the
 * keys `address`, `amount`, `request_type` in that (sorted) order. Request types are those of
 * `pool/src/pool/actions.rs` — the original Python Tuxedo had them swapped; the table below is the contract's.
 */
import { Contract, type xdr } from '@stellar/stellar-sdk/base'
import { fail, ok, type Result } from '../../../shared/result.ts'
import { address, I128_MAX, i128, isAccountId, isContractId, structScVal, u32, vec } from '../scval.ts'

export const REQUEST_TYPES = {
  supply: 0,
  withdraw: 1,
  supplyCollateral: 2,
  withdrawCollateral: 3,
  borrow: 4,
  repay: 5,
} as const
export type RequestKind = keyof typeof REQUEST_TYPES
export const REQUEST_KINDS = Object.keys(REQUEST_TYPES) as RequestKind[]

/** One user request: `asset` is the reserve's underlying token contract; `amount` in its base units. */
export type BlendRequest = { readonly kind: RequestKind; readonly asset: string; readonly amount: bigint }

export function checkRequest(r: BlendRequest): Result<BlendRequest> {
  if (!Object.hasOwn(REQUEST_TYPES, r.kind))
    return fail('ERR_VALIDATION', `unknown Blend request ${String(r.kind)}`)
  if (!isContractId(r.asset))
    return fail('ERR_VALIDATION', 'the reserve asset must be a token contract id (C…)')
  if (r.amount <= 0n) return fail('ERR_VALIDATION', 'the amount must be greater than zero')
  if (r.amount > I128_MAX) return fail('ERR_VALIDATION', 'the amount does not fit an i128')
  return ok(r)
}

export function requestScVal(r: BlendRequest): Result<xdr.ScVal> {
  const checked = checkRequest(r)
  if (!checked.ok) return checked
  return ok(
    structScVal({
      request_type: u32(REQUEST_TYPES[r.kind]),
      address: address(r.asset),
      amount: i128(r.amount),
    }),
  )
}

/**
 * The `submit` call for a user acting for themselves (from = spender = to = the user's account): the pool
 * then asks for `transfer(user → pool)` of each supplied or repaid amount, under the user's authorisation.
 */
export function submitOperation(
  poolId: string,
  user: string,
  requests: readonly BlendRequest[],
): Result<xdr.Operation> {
  if (!isContractId(poolId)) return fail('ERR_VALIDATION', 'the pool must be a contract id (C…)')
  if (!isAccountId(user)) return fail('ERR_VALIDATION', 'the user must be a Stellar account (G…)')
  if (requests.length === 0) return fail('ERR_VALIDATION', 'a submit needs at least one request')
  const encoded: xdr.ScVal[] = []
  for (const r of requests) {
    const v = requestScVal(r)
    if (!v.ok) return v
    encoded.push(v.value)
  }
  const who = address(user)
  return ok(new Contract(poolId).call('submit', who, who, who, vec(encoded)))
}

/** Emission ids of a reserve: liabilities (d-tokens) `index·2`, supply (b-tokens) `index·2 + 1`. */
export const dTokenId = (reserveIndex: number) => reserveIndex * 2
export const bTokenId = (reserveIndex: number) => reserveIndex * 2 + 1

/** `claim` of BLND emissions for the given reserve token ids, paid to the user. */
export function claimOperation(
  poolId: string,
  user: string,
  reserveTokenIds: readonly number[],
): Result<xdr.Operation> {
  if (!isContractId(poolId)) return fail('ERR_VALIDATION', 'the pool must be a contract id (C…)')
  if (!isAccountId(user)) return fail('ERR_VALIDATION', 'the user must be a Stellar account (G…)')
  if (reserveTokenIds.length === 0) return fail('ERR_VALIDATION', 'claim needs at least one reserve token id')
  if (reserveTokenIds.some((i) => !Number.isInteger(i) || i < 0 || i > 0xffff_ffff))
    return fail('ERR_VALIDATION', 'reserve token ids are u32')
  const who = address(user)
  return ok(new Contract(poolId).call('claim', who, vec(reserveTokenIds.map(u32)), who))
}
