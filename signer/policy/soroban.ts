/**
 * Soroban token movements visible in a transaction's authorization entries (best effort, pure).
 *
 * Whatever contract is called, moving a token out of an account needs that account's `require_auth`, which
 * appears as a node of some authorization entry's invocation tree: `transfer(from, to, amount)`,
 * `burn(from, amount)` and `approve(from, spender, amount, expiration)` (an allowance can be drained later,
 * so it counts as spending now). We walk every tree, whatever the credentials, and report each such call
 * whose `from` is the signing account. What this does not see: a custom contract that moves value through
 * another function name; those calls are reported as "other" so the policy can refuse them on unknown
 * contracts.
 */
import { Address, scValToNative, type xdr } from '@stellar/stellar-sdk/base'
import { baseAccountOf } from '../../shared/schemas/stellar.ts'

export type TokenMove = {
  readonly contract: string
  readonly fn: 'transfer' | 'burn' | 'approve'
  readonly to: string | null
  readonly amount: bigint
}

type Invocation = xdr.SorobanAuthorizedInvocation
type ContractCall = { contract: string; fn: string; args: xdr.ScVal[] }

const SPENDING_FNS = new Set(['transfer', 'burn', 'approve'])

function callOf(inv: Invocation): ContractCall | undefined {
  const f = inv.function
  if (f.type !== 'sorobanAuthorizedFunctionTypeContractFn') return undefined
  const c = f.contractFn
  return {
    contract: Address.fromScAddress(c.contractAddress).toString(),
    fn: c.functionName.toString(),
    args: c.args,
  }
}

const native = (v: xdr.ScVal | undefined): unknown => {
  if (v === undefined) return undefined
  try {
    return scValToNative(v)
  } catch {
    return undefined
  }
}

const addressOf = (v: unknown): string | null => (typeof v === 'string' ? (baseAccountOf(v) ?? v) : null)

/**
 * Token moves out of `owner`, plus `unreadable` when a spending-named call from `owner` has arguments we
 * cannot read (treated by the policy as a denial, never as zero).
 */
export function tokenMovesFrom(
  auth: readonly xdr.SorobanAuthorizationEntry[],
  owner: string,
): { moves: TokenMove[]; unreadable: boolean } {
  const moves: TokenMove[] = []
  let unreadable = false
  const stack: Invocation[] = auth.map((a) => a.rootInvocation)
  // Bounded by the XDR size limit of the transaction (64 KiB); no recursion, so no stack exhaustion.
  while (stack.length > 0) {
    const inv = stack.pop()
    if (!inv) break
    stack.push(...inv.subInvocations)
    const call = callOf(inv)
    if (!call || !SPENDING_FNS.has(call.fn)) continue
    const from = addressOf(native(call.args[0]))
    if (from !== owner) continue
    const amountArg = call.fn === 'burn' ? call.args[1] : call.args[2]
    const amount = native(amountArg)
    if (typeof amount !== 'bigint' || amount < 0n) {
      unreadable = true
      continue
    }
    const to = call.fn === 'burn' ? null : addressOf(native(call.args[1]))
    moves.push({ contract: call.contract, fn: call.fn as TokenMove['fn'], to, amount })
  }
  return { moves, unreadable }
}
