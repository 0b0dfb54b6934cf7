/**
 * Soroswap swaps, through the router and through the aggregator. Pure.
 * Sources:
 * - router: soroswap/core b7e7cc9, contracts/router/src/lib.rs — `swap_exact_tokens_for_tokens(amount_in,
 *   amount_out_min, path, to, deadline)` and `swap_tokens_for_exact_tokens(amount_out, amount_in_max, path, to,
 *   deadline)`: `to.require_auth()`, one `transfer(to → first pair, amounts[0])` of `path[0]`, output paid to `to`.
 * - aggregator: soroswap/aggregator 7de298d, contracts/aggregator/src/lib.rs and models.rs —
 *   `swap_exact_tokens_for_tokens(token_in, token_out, amount_in, amount_out_min, distribution, to, deadline)`
 *   and `swap_tokens_for_exact_tokens(token_in, token_out, amount_out, amount_in_max, distribution, to,
 *   deadline)`; `DexDistribution { bytes: Option<Vec<BytesN<32>>>, parts: u32, path: Vec<Address>,
 *   protocol_id }` where protocol_id is a `Protocol` u32 (0 soroswap, 1 phoenix, 2 aqua, 3 comet) since v2.1
 *   and a String in v2.0.0 (the fixture transaction); at most 15 entries. Each part runs through an adapter or
 *   the protocol's router, two or three levels down, ending in `transfer(to → pool)` of `token_in`.
 *
 * Threat: a swap whose output goes to someone else (`to` must be the user's own), or a tree that moves more,
 * or another token, than the swap says. Spend = the sum of the leaf transfers from the account.
 */
import type { xdr } from '@stellar/stellar-sdk/base'
import {
  amountFields,
  arity,
  type Call,
  callOf,
  checkDeadline,
  isOwn,
  isOwner,
  money,
  type ReadContext,
  type Reading,
  readAddress,
  readAmount,
  readStruct,
  readU32,
  readVec,
  refuse,
  short,
  spendFrom,
  sum,
} from './read.ts'
import type { KnownContract } from './registry.ts'
import { TOKEN_MOVE_FNS, tokenMoveOf } from './token.ts'

const EXACT_IN = 'swap_exact_tokens_for_tokens'
const EXACT_OUT = 'swap_tokens_for_exact_tokens'
const MAX_PATH = 8
const MAX_DISTRIBUTION = 15
/** Levels below the aggregator's root call: adapter → router/multihop → pool → transfer. */
const AGGREGATOR_DEPTH = 4
const DISTRIBUTION_KEYS = ['bytes', 'parts', 'path', 'protocol_id'] as const
const PROTOCOLS = ['soroswap', 'phoenix', 'aqua', 'comet'] as const

export function decodeSoroswapRouter(
  call: Call,
  _known: KnownContract,
  ctx: ReadContext,
  out: Reading,
): boolean {
  if (call.fn !== EXACT_IN && call.fn !== EXACT_OUT) return false
  const exactIn = call.fn === EXACT_IN
  const what = `soroswap ${call.fn}`
  arity(call, 5, what)
  const [a0, a1, a2, a3, a4] = call.args
  const first = readAmount(a0, `${what} ${exactIn ? 'amount_in' : 'amount_out'}`)
  const second = readAmount(a1, `${what} ${exactIn ? 'amount_out_min' : 'amount_in_max'}`)
  const path = readPath(a2, `${what} path`)
  const to = readAddress(a3, `${what} to`)
  checkDeadline(a4, `${what} deadline`, ctx)
  if (!isOwn(to, ctx))
    refuse('ERR_POLICY_SOROBAN_RECIPIENT', `${what}: to ${to} is not one of the user's accounts`)
  const tokenIn = path[0] as string
  const tokenOut = path[path.length - 1] as string
  const leaves = leafTransfers(call, tokenIn, 1, ctx, what)
  if (leaves.count !== 1)
    refuse('ERR_POLICY_SOROBAN_TRANSFER', `${what}: expected one transfer, found ${leaves.count}`)
  const maxIn = exactIn ? first : second
  if (exactIn ? leaves.total !== first : leaves.total > second) {
    refuse('ERR_POLICY_SOROBAN_TRANSFER', `${what}: transfers ${leaves.total}, the swap allows ${maxIn}`)
  }
  spendFrom(tokenIn, leaves.total, ctx, out)
  out.lines.push({
    kind: 'contract_call',
    contract: call.contract,
    destination: to,
    ...amountFields(tokenIn, leaves.total, ctx),
    text: exactIn
      ? `Swap ${money(tokenIn, first, ctx)} for at least ${money(tokenOut, second, ctx)} via Soroswap, paid to ${short(to)}`
      : `Swap up to ${money(tokenIn, second, ctx)} for ${money(tokenOut, first, ctx)} via Soroswap, paid to ${short(to)}`,
  })
  return true
}

export function decodeSoroswapAggregator(
  call: Call,
  _known: KnownContract,
  ctx: ReadContext,
  out: Reading,
): boolean {
  if (call.fn !== EXACT_IN && call.fn !== EXACT_OUT) return false
  const exactIn = call.fn === EXACT_IN
  const what = `soroswap aggregator ${call.fn}`
  arity(call, 7, what)
  const [a0, a1, a2, a3, a4, a5, a6] = call.args
  const tokenIn = readAddress(a0, `${what} token_in`)
  const tokenOut = readAddress(a1, `${what} token_out`)
  const first = readAmount(a2, `${what} ${exactIn ? 'amount_in' : 'amount_out'}`)
  const second = readAmount(a3, `${what} ${exactIn ? 'amount_out_min' : 'amount_in_max'}`)
  const routes = readVec(a4, `${what} distribution`, MAX_DISTRIBUTION).map((d, i) =>
    readDistribution(d, `${what} distribution ${i}`, tokenIn, tokenOut),
  )
  const to = readAddress(a5, `${what} to`)
  checkDeadline(a6, `${what} deadline`, ctx)
  if (routes.length === 0) refuse('ERR_POLICY_SOROBAN_ARGS', `${what}: empty distribution`)
  if (!isOwn(to, ctx))
    refuse('ERR_POLICY_SOROBAN_RECIPIENT', `${what}: to ${to} is not one of the user's accounts`)
  const leaves = leafTransfers(call, tokenIn, AGGREGATOR_DEPTH, ctx, what)
  const maxIn = exactIn ? first : second
  if (leaves.total === 0n) refuse('ERR_POLICY_SOROBAN_TRANSFER', `${what}: no transfer from the account`)
  if (leaves.total > maxIn) {
    refuse('ERR_POLICY_SOROBAN_TRANSFER', `${what}: transfers ${leaves.total}, the swap allows ${maxIn}`)
  }
  spendFrom(tokenIn, leaves.total, ctx, out)
  const via = `via the Soroswap aggregator (${[...new Set(routes)].join(', ')})`
  out.lines.push({
    kind: 'contract_call',
    contract: call.contract,
    destination: to,
    ...amountFields(tokenIn, leaves.total, ctx),
    text: exactIn
      ? `Swap ${money(tokenIn, leaves.total, ctx)} for at least ${money(tokenOut, second, ctx)} ${via}, paid to ${short(to)}`
      : `Swap up to ${money(tokenIn, leaves.total, ctx)} for ${money(tokenOut, first, ctx)} ${via}, paid to ${short(to)}`,
  })
  return true
}

function readPath(v: xdr.ScVal | undefined, what: string): string[] {
  const path = readVec(v, what, MAX_PATH).map((a, i) => readAddress(a, `${what} ${i}`))
  if (path.length < 2) refuse('ERR_POLICY_SOROBAN_ARGS', `${what}: fewer than two tokens`)
  return path
}

/** One DexDistribution; returns the protocol's name. */
function readDistribution(v: xdr.ScVal, what: string, tokenIn: string, tokenOut: string): string {
  const d = readStruct(v, DISTRIBUTION_KEYS, what)
  const id = d.protocol_id
  const protocol =
    id.type === 'scvString' ? id.str.toString() : id.type === 'scvU32' ? PROTOCOLS[id.u32] : undefined
  if (protocol === undefined || !(PROTOCOLS as readonly string[]).includes(protocol)) {
    refuse('ERR_POLICY_SOROBAN_ARGS', `${what}: unknown protocol_id`)
  }
  const path = readPath(d.path, `${what} path`)
  if (path[0] !== tokenIn || path[path.length - 1] !== tokenOut) {
    refuse('ERR_POLICY_SOROBAN_ARGS', `${what}: path does not lead from token_in to token_out`)
  }
  if (readU32(d.parts, `${what} parts`) === 0) refuse('ERR_POLICY_SOROBAN_ARGS', `${what}: zero parts`)
  const bytes = d.bytes.type
  if (bytes !== 'scvVoid' && bytes !== 'scvVec')
    refuse('ERR_POLICY_SOROBAN_ARGS', `${what}: bytes is not an option`)
  return protocol as string
}

/**
 * Every leaf under the swap must be a transfer of `tokenIn` from the account; the nodes between (adapters,
 * routers, pools) run under the swap contract's code, which is what was recognised. A node that moves a token
 * but has sub-invocations of its own is not a token move we can read.
 */
function leafTransfers(
  call: Call,
  tokenIn: string,
  maxDepth: number,
  ctx: ReadContext,
  what: string,
): { total: bigint; count: number } {
  let total = 0n
  let count = 0
  const stack: { inv: xdr.SorobanAuthorizedInvocation; path: string; depth: number }[] = call.subs.map(
    (inv, i) => ({
      inv,
      path: String(i),
      depth: 1,
    }),
  )
  while (stack.length > 0) {
    const n = stack.pop()
    if (!n) break
    const w = `${what} sub ${n.path}`
    if (n.depth > maxDepth) refuse('ERR_POLICY_SOROBAN_DEPTH', `${w}: nested more than ${maxDepth} levels`)
    const sub = callOf(n.inv)
    if (!sub) refuse('ERR_POLICY_SOROBAN_HOST_FUNCTION', `${w}: creates a contract`)
    if (sub.subs.length > 0) {
      if (TOKEN_MOVE_FNS.has(sub.fn))
        refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: ${sub.fn} with sub-invocations`)
      sub.subs.forEach((inv, i) => {
        stack.push({ inv, path: `${n.path}.${i}`, depth: n.depth + 1 })
      })
      continue
    }
    const move = tokenMoveOf(sub, w)
    if (move?.fn !== 'transfer' || sub.contract !== tokenIn) {
      refuse(
        'ERR_POLICY_SOROBAN_TRANSFER',
        `${w}: ${sub.fn} on ${sub.contract} is not a transfer of token_in`,
      )
    }
    if (!move || !isOwner(move.from, ctx)) {
      refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: not from the signing account`)
    }
    // Pools and pairs are contracts; a leaf paying an account is not a swap leg.
    if (!move.to?.startsWith('C')) refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: pays ${move.to}, not a pool`)
    total = sum(total, move.amount, w)
    count++
  }
  return { total, count }
}
