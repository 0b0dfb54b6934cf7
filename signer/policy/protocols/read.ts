/**
 * Strict readers for the Soroban values the decoders accept, and the shapes they share. Pure.
 *
 * A decoder that guessed at an argument could be walked around with a value of another type (a u128 where an
 * i128 is expected, a map with an extra key, a negative amount): every reader here checks the exact XDR type
 * and throws a `Refusal` naming what it read, which soroban.ts turns into a denial with the node's path.
 * "Unreadable" is never "zero".
 */
import { Address, StrKey, type xdr } from '@stellar/stellar-sdk/base'
import type { ErrorCode } from '../../../shared/errors.ts'
import { fromStroops } from '../../../shared/schemas/money.ts'
import type { PreviewLine } from '../../../shared/schemas/signer-rpc.ts'
import { baseAccountOf } from '../../../shared/schemas/stellar.ts'

/** A refusal raised inside a decoder; soroban.ts catches it and prefixes the invocation node's path. */
export class Refusal extends Error {
  readonly code: ErrorCode
  /** The invocation node it was raised at ("auth 0 node 0.1"), set by the walker. */
  at: string | undefined
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'Refusal'
    this.code = code
    this.at = undefined
  }
}

export function refuse(code: ErrorCode, message: string): never {
  throw new Refusal(code, message)
}
function unreadable(what: string, why: string): never {
  throw new Refusal('ERR_POLICY_SOROBAN_ARGS', `${what}: ${why}`)
}

export const I128_MAX = (1n << 127n) - 1n

/** One contract call of an authorization tree (or the operation's own host function). */
export type Call = {
  readonly contract: string
  readonly fn: string
  readonly args: readonly xdr.ScVal[]
  readonly subs: readonly xdr.SorobanAuthorizedInvocation[]
}

export type SpendLine = { readonly asset: string; readonly amount: bigint }

/** What the reading of one operation adds up to; decoders append to it. */
export type Reading = {
  readonly spend: SpendLine[]
  readonly destinations: string[]
  readonly approvals: string[]
  readonly lines: PreviewLine[]
}

export type ReadContext = {
  /** The signing account (G…). */
  readonly owner: string
  /** Every account of this user (G…), the owner included: where proceeds may be paid. */
  readonly ownAccounts: ReadonlySet<string>
  /** Token contract (SAC) id → asset key, for the configured assets. */
  readonly tokenContracts: ReadonlyMap<string, string>
  readonly nowSeconds: bigint
  readonly maxTimeAheadSeconds: number
}

/**
 * The strkey of an ScAddress. Encoding one costs ~10 µs (base32 and a checksum in JS) and a swap's tree repeats
 * the same few addresses dozens of times, so accounts and contracts are memoised by their raw bytes (a pure
 * function's cache, bounded). Muxed and other kinds take the SDK's path.
 */
const strkeys = new Map<string, string>()
export function addressString(sc: xdr.ScAddress): string {
  const account = sc.type === 'scAddressTypeAccount'
  if (!account && sc.type !== 'scAddressTypeContract') return Address.fromScAddress(sc).toString()
  const raw = account ? sc.accountId.ed25519.value : sc.contractId.value
  const key = (account ? 'g' : 'c') + Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex')
  let s = strkeys.get(key)
  if (s === undefined) {
    s = account ? StrKey.encodeEd25519PublicKey(Buffer.from(raw)) : StrKey.encodeContract(Buffer.from(raw))
    if (strkeys.size >= 4096) strkeys.clear()
    strkeys.set(key, s)
  }
  return s
}

export function callOf(inv: xdr.SorobanAuthorizedInvocation): Call | undefined {
  const f = inv.function
  if (f.type !== 'sorobanAuthorizedFunctionTypeContractFn') return undefined
  return { ...contractCall(f.contractFn), subs: inv.subInvocations }
}

export function contractCall(c: xdr.InvokeContractArgs): Omit<Call, 'subs'> {
  return {
    contract: addressString(c.contractAddress),
    fn: c.functionName.toString(),
    args: c.args,
  }
}

export function arity(call: Call, n: number, what: string): void {
  if (call.args.length !== n) unreadable(what, `expected ${n} arguments, got ${call.args.length}`)
}

const typeOf = (v: xdr.ScVal): string => v.type

export function readAddress(v: xdr.ScVal | undefined, what: string): string {
  if (v?.type !== 'scvAddress') return unreadable(what, `not an address (${v ? typeOf(v) : 'missing'})`)
  return addressString(v.address)
}

/** A non-negative i128 (token amounts are i128 in SEP-41 and in every protocol read here). */
export function readAmount(v: xdr.ScVal | undefined, what: string): bigint {
  if (v?.type !== 'scvI128') return unreadable(what, `not an i128 (${v ? typeOf(v) : 'missing'})`)
  const n = (BigInt.asIntN(64, v.i128.hi) << 64n) + BigInt.asUintN(64, v.i128.lo)
  if (n < 0n) unreadable(what, 'negative amount')
  return n
}

export function readU32(v: xdr.ScVal | undefined, what: string): number {
  if (v?.type !== 'scvU32') return unreadable(what, `not a u32 (${v ? typeOf(v) : 'missing'})`)
  return v.u32
}

export function readU64(v: xdr.ScVal | undefined, what: string): bigint {
  if (v?.type !== 'scvU64') return unreadable(what, `not a u64 (${v ? typeOf(v) : 'missing'})`)
  return v.u64
}

export function readBool(v: xdr.ScVal | undefined, what: string): boolean {
  if (v?.type !== 'scvBool') return unreadable(what, `not a bool (${v ? typeOf(v) : 'missing'})`)
  return v.b
}

export function readVec(v: xdr.ScVal | undefined, what: string, max: number): xdr.ScVal[] {
  if (v?.type !== 'scvVec') return unreadable(what, `not a vec (${v ? typeOf(v) : 'missing'})`)
  const items = v.vec ?? []
  if (items.length > max) unreadable(what, `more than ${max} entries`)
  return items
}

/**
 * A `#[contracttype]` struct: an ScMap whose keys are exactly `keys`, as symbols, in this (sorted) order —
 * the only encoding the contract itself accepts.
 */
export function readStruct<K extends string>(
  v: xdr.ScVal | undefined,
  keys: readonly K[],
  what: string,
): Record<K, xdr.ScVal> {
  if (v?.type !== 'scvMap') return unreadable(what, `not a map (${v ? typeOf(v) : 'missing'})`)
  const entries = v.map ?? []
  if (entries.length !== keys.length) unreadable(what, `expected the keys ${keys.join(', ')}`)
  const out = {} as Record<K, xdr.ScVal>
  entries.forEach((e, i) => {
    const k = e.key
    const want = keys[i] as K
    if (k.type !== 'scvSymbol' || k.sym.toString() !== want) {
      unreadable(what, `expected the keys ${keys.join(', ')} in this order`)
    }
    out[want] = e.val
  })
  return out
}

export const sum = (a: bigint, b: bigint, what: string): bigint => {
  const s = a + b
  if (s > I128_MAX) unreadable(what, 'amounts overflow i128')
  return s
}

/** G… of a G… or M… address, the C… id of a contract (strkeys from addressString are well-formed). */
export const accountOf = (address: string): string =>
  address.startsWith('M') ? (baseAccountOf(address) ?? address) : address
export const isOwner = (address: string, ctx: ReadContext): boolean => accountOf(address) === ctx.owner
export const isOwn = (address: string, ctx: ReadContext): boolean => {
  const a = accountOf(address)
  return a === ctx.owner || ctx.ownAccounts.has(a)
}

/** C…/G… shortened for sentences; the full id always travels in the line's own fields. */
export const short = (id: string): string => `${id.slice(0, 4)}…${id.slice(-4)}`

/** "USDC" for a configured token, "token CCW6…MI75" otherwise. */
export function tokenName(token: string, ctx: ReadContext): string {
  const key = ctx.tokenContracts.get(token)
  if (key === undefined) return `token ${short(token)}`
  return key === 'native' ? 'XLM' : (key.split(':')[0] ?? key)
}

/** "12.5 USDC" for a configured token (7 decimals, SEP-41 SACs); raw base units otherwise. */
export function money(token: string, amount: bigint, ctx: ReadContext): string {
  return ctx.tokenContracts.has(token)
    ? `${fromStroops(amount)} ${tokenName(token, ctx)}`
    : `${amount} base units of ${tokenName(token, ctx)}`
}

/** The preview fields for an amount of a token (decimal only when the decimals are known). */
export function amountFields(
  token: string,
  amount: bigint,
  ctx: ReadContext,
): { asset: string; amount?: string } {
  const key = ctx.tokenContracts.get(token)
  return key === undefined ? { asset: token } : { asset: key, amount: fromStroops(amount) }
}

/**
 * Counts `amount` of `token` leaving the owner. A token with no configured limit cannot be moved: we could not
 * tell what it is worth (the same rule as a classic payment of an unconfigured asset).
 */
export function spendFrom(token: string, amount: bigint, ctx: ReadContext, out: Reading): void {
  const asset = ctx.tokenContracts.get(token)
  if (asset === undefined) refuse('ERR_POLICY_OPERATION', `moves token ${token}, which has no spending limit`)
  else out.spend.push({ asset, amount })
}

/** The swap deadline (u64 seconds) lies between now and the furthest a transaction may be valid. */
export function checkDeadline(v: xdr.ScVal | undefined, what: string, ctx: ReadContext): bigint {
  const deadline = readU64(v, what)
  if (deadline < ctx.nowSeconds)
    refuse('ERR_POLICY_SOROBAN_DEADLINE', `${what}: deadline ${deadline} has passed`)
  const limit = ctx.nowSeconds + BigInt(ctx.maxTimeAheadSeconds)
  if (deadline > limit) {
    refuse(
      'ERR_POLICY_SOROBAN_DEADLINE',
      `${what}: deadline ${deadline} is more than ${ctx.maxTimeAheadSeconds} s ahead`,
    )
  }
  return deadline
}
