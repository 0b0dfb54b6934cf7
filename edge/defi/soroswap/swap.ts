/**
 * Encoders for Soroswap swaps, exact input only:
 * - router `swap_exact_tokens_for_tokens(amount_in: i128, amount_out_min: i128, path: Vec<Address>, to:
 *   Address, deadline: u64) -> Vec<i128>` (soroswap/core `contracts/router/src/lib.rs`): the router checks
 *   `to`'s authorisation and moves `amount_in` with `transfer(to → first pair)`;
 * - aggregator `swap_exact_tokens_for_tokens(token_in, token_out, amount_in, amount_out_min, distribution:
 *   Vec<DexDistribution { bytes: Option<Vec<BytesN<32>>>, parts: u32, path: Vec<Address>, protocol_id:
 *   String }>, to, deadline)` (soroswap/aggregator, as in the recorded mainnet transaction).
 * Every swap carries an explicit minimum out and a deadline: "always failed" swaps in the old Tuxedo had
 * neither right.
 */
import { Contract, xdr } from '@stellar/stellar-sdk/base'
import { fail, ok, type Result } from '../../../shared/result.ts'
import { address, I128_MAX, i128, isAccountId, isContractId, structScVal, u32, u64, vec } from '../scval.ts'

export type ExactInSwap = {
  readonly amountIn: bigint
  readonly amountOutMin: bigint
  readonly path: readonly string[]
  readonly to: string
  /** Unix seconds after which the router refuses the swap. */
  readonly deadline: bigint
}

function check(s: ExactInSwap, now: bigint): Result<true> {
  if (s.amountIn <= 0n || s.amountIn > I128_MAX)
    return fail('ERR_VALIDATION', 'amount in must be a positive i128')
  if (s.amountOutMin <= 0n || s.amountOutMin > I128_MAX)
    return fail('ERR_DEFI_SLIPPAGE', 'a swap needs a positive minimum out (a slippage bound)')
  if (s.path.length < 2 || s.path.some((t) => !isContractId(t)))
    return fail('ERR_VALIDATION', 'the path is at least two token contract ids')
  if (new Set(s.path).size !== s.path.length) return fail('ERR_VALIDATION', 'the path repeats a token')
  if (!isAccountId(s.to)) return fail('ERR_VALIDATION', 'the recipient must be a Stellar account (G…)')
  if (s.deadline <= now) return fail('ERR_VALIDATION', 'the deadline must be in the future')
  if (s.deadline > now + 3600n) return fail('ERR_VALIDATION', 'the deadline must be within an hour')
  return ok(true)
}

export function routerSwapOperation(router: string, s: ExactInSwap, now: bigint): Result<xdr.Operation> {
  if (!isContractId(router)) return fail('ERR_VALIDATION', 'the router must be a contract id')
  const c = check(s, now)
  if (!c.ok) return c
  return ok(
    new Contract(router).call(
      'swap_exact_tokens_for_tokens',
      i128(s.amountIn),
      i128(s.amountOutMin),
      vec(s.path.map(address)),
      address(s.to),
      u64(s.deadline),
    ),
  )
}

export type DexDistribution = {
  readonly protocolId: string
  readonly path: readonly string[]
  readonly parts: number
  /** Pool hashes some adapters need (Aqua); absent for Soroswap and Phoenix. */
  readonly bytes?: readonly Uint8Array[]
}

export function distributionScVal(d: DexDistribution): xdr.ScVal {
  return structScVal({
    bytes: d.bytes ? vec(d.bytes.map((b) => xdr.ScVal.scvBytes(b))) : xdr.ScVal.scvVoid(),
    parts: u32(d.parts),
    path: vec(d.path.map(address)),
    protocol_id: xdr.ScVal.scvString(d.protocolId),
  })
}

/** The aggregator's args; `deadline` as the aggregator takes it (the recorded transaction uses ms). */
export function aggregatorSwapArgs(
  s: ExactInSwap & { readonly distribution: readonly DexDistribution[] },
): Result<xdr.ScVal[]> {
  const [tokenIn] = s.path
  const tokenOut = s.path[s.path.length - 1]
  if (!tokenIn || !tokenOut || s.path.length !== 2)
    return fail('ERR_VALIDATION', 'the aggregator takes [token_in, token_out]')
  if (s.distribution.length === 0) return fail('ERR_DEFI_NO_ROUTE', 'an aggregator swap needs a distribution')
  if (
    s.distribution.some((d) => d.path[0] !== tokenIn || d.path[d.path.length - 1] !== tokenOut || d.parts < 1)
  )
    return fail('ERR_VALIDATION', 'every distribution leg goes from token in to token out')
  if (s.amountOutMin <= 0n) return fail('ERR_DEFI_SLIPPAGE', 'a swap needs a positive minimum out')
  return ok([
    address(tokenIn),
    address(tokenOut),
    i128(s.amountIn),
    i128(s.amountOutMin),
    vec(s.distribution.map(distributionScVal)),
    address(s.to),
    u64(s.deadline),
  ])
}
