/**
 * Blend v2 lending pools: `submit(from, spender, to, requests)` and `claim(from, reserve_token_ids, to)`.
 * Source: blend-capital/blend-contracts-v2 ba22b48 — pool/src/contract.rs (submit: `spender.require_auth()`,
 * and `from.require_auth()` when different; claim: `from.require_auth()`), pool/src/pool/actions.rs (`Request
 * { request_type: u32, address: Address, amount: i128 }`, `RequestType` 0–9), pool/src/pool/submit.rs
 * (`handle_transfers`: one `transfer(spender → pool)` per asset of the summed supply, supply-collateral and
 * repay amounts, then `transfer(pool → to)` for withdrawals, borrows and repay refunds). Pure.
 *
 * Threat: a prompt-injected agent calling `submit(me, me, ATTACKER, [withdraw all])` — whatever the pool pays
 * goes to `to`, so `to` must be one of the user's own accounts. Borrowing creates debt that can be liquidated:
 * it needs a person's approval. Allowance submits, flash loans and auction fills are never signed.
 */
import { MAX_STROOPS } from '../../../shared/schemas/money.ts'
import {
  amountFields,
  arity,
  type Call,
  callOf,
  isOwn,
  isOwner,
  money,
  type ReadContext,
  type Reading,
  Refusal,
  readAddress,
  readAmount,
  readStruct,
  readU32,
  readVec,
  refuse,
  short,
  spendFrom,
  sum,
  tokenName,
} from './read.ts'
import type { KnownContract } from './registry.ts'
import { tokenMoveOf } from './token.ts'

const REQUEST_KEYS = ['address', 'amount', 'request_type'] as const
const AUCTIONS: Readonly<Record<number, string>> = {
  6: 'fill user liquidation auction',
  7: 'fill bad-debt auction',
  8: 'fill interest auction',
  9: 'delete liquidation auction',
}
/** Blend caps a user's positions (max_positions); 32 requests is far beyond any real submit. */
const MAX_REQUESTS = 32
const SUPPLY = 0
const WITHDRAW = 1
const SUPPLY_COLLATERAL = 2
const WITHDRAW_COLLATERAL = 3
const BORROW = 4
const REPAY = 5

/** True when the function was read; false sends it down the unknown-call path (e.g. `new_auction`). */
export function decodeBlend(call: Call, known: KnownContract, ctx: ReadContext, out: Reading): boolean {
  switch (call.fn) {
    case 'submit':
      submit(call, known, ctx, out)
      return true
    case 'claim':
      claim(call, known, ctx, out)
      return true
    case 'submit_with_allowance':
    case 'flash_loan':
      // Allowance pulls and flash loans move funds the tree does not show.
      throw new Refusal('ERR_POLICY_SOROBAN_REFUSED_CALL', `blend ${call.fn} is never signed`)
    default:
      return false
  }
}

function submit(call: Call, known: KnownContract, ctx: ReadContext, out: Reading): void {
  const what = 'blend submit'
  arity(call, 4, what)
  const [a0, a1, a2, a3] = call.args
  const from = readAddress(a0, `${what} from`)
  const spender = readAddress(a1, `${what} spender`)
  const to = readAddress(a2, `${what} to`)
  const requests = readVec(a3, `${what} requests`, MAX_REQUESTS)
  // Our authorisation on someone else's position (or our tokens funding it) is not something we read.
  if (!isOwner(from, ctx))
    refuse('ERR_POLICY_SOROBAN_ACCOUNT', `${what}: from ${from} is not the signing account`)
  if (!isOwner(spender, ctx)) {
    refuse('ERR_POLICY_SOROBAN_ACCOUNT', `${what}: spender ${spender} is not the signing account`)
  }
  // Withdrawals, borrows and repay refunds are paid to `to`.
  if (!isOwn(to, ctx))
    refuse('ERR_POLICY_SOROBAN_RECIPIENT', `${what}: to ${to} is not one of the user's accounts`)
  if (requests.length === 0) refuse('ERR_POLICY_SOROBAN_ARGS', `${what}: no requests`)

  const inbound = new Map<string, bigint>()
  requests.forEach((r, i) => {
    const w = `${what} request ${i}`
    const f = readStruct(r, REQUEST_KEYS, w)
    const type = readU32(f.request_type, `${w} request_type`)
    const auction = AUCTIONS[type]
    if (auction)
      refuse('ERR_POLICY_SOROBAN_REFUSED_CALL', `${w}: request_type ${type} (${auction}) is refused`)
    if (type > REPAY) refuse('ERR_POLICY_SOROBAN_ARGS', `${w}: unknown request_type ${type}`)
    const asset = readAddress(f.address, `${w} address`)
    const amount = readAmount(f.amount, `${w} amount`)
    const line = { kind: 'contract_call', contract: call.contract, ...amountFields(asset, amount, ctx) }
    // i128::MAX and the like mean "everything": the pool pays out at most the position.
    const m = amount > MAX_STROOPS ? `all the ${tokenName(asset, ctx)}` : money(asset, amount, ctx)
    if (type === SUPPLY || type === SUPPLY_COLLATERAL || type === REPAY) {
      inbound.set(asset, sum(inbound.get(asset) ?? 0n, amount, w))
      const verb = type === REPAY ? 'Repay' : 'Supply'
      const as = type === SUPPLY_COLLATERAL ? ' as collateral' : ''
      out.lines.push({ ...line, text: `${verb} ${m}${as} to ${known.label}` })
      return
    }
    const paid = `paid to ${short(to)}`
    if (type === BORROW) {
      out.approvals.push(`borrows ${m} from ${known.label}: debt that can be liquidated`)
      out.lines.push({
        ...line,
        destination: to,
        text: `Borrow ${m} from ${known.label}, ${paid} (debt that can be liquidated)`,
      })
      return
    }
    const of = type === WITHDRAW_COLLATERAL ? ' of collateral' : ''
    if (type === WITHDRAW || type === WITHDRAW_COLLATERAL) {
      out.lines.push({ ...line, destination: to, text: `Withdraw ${m}${of} from ${known.label}, ${paid}` })
    }
  })
  transfersIn(call, inbound, ctx, out, what)
}

/** The spender → pool transfers: exactly one per supplied/repaid asset, of exactly the summed amount. */
function transfersIn(
  call: Call,
  inbound: ReadonlyMap<string, bigint>,
  ctx: ReadContext,
  out: Reading,
  what: string,
): void {
  const seen = new Set<string>()
  call.subs.forEach((inv, j) => {
    const w = `${what} transfer ${j}`
    const sub = callOf(inv)
    if (!sub) refuse('ERR_POLICY_SOROBAN_HOST_FUNCTION', `${w}: creates a contract`)
    if (sub.subs.length > 0) refuse('ERR_POLICY_SOROBAN_DEPTH', `${w}: nested deeper than a token transfer`)
    const move = tokenMoveOf(sub, w)
    if (move?.fn !== 'transfer') {
      refuse(
        'ERR_POLICY_SOROBAN_TRANSFER',
        `${w}: ${sub.fn} on ${sub.contract} is not a transfer the pool makes`,
      )
    }
    if (!isOwner(move.from, ctx)) refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: not from the signing account`)
    if (move.to !== call.contract)
      refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: pays ${move.to}, not the pool`)
    const want = inbound.get(sub.contract)
    if (want === undefined) {
      refuse(
        'ERR_POLICY_SOROBAN_TRANSFER',
        `${w}: token ${sub.contract} is not supplied or repaid by the requests`,
      )
    }
    if (seen.has(sub.contract))
      refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: a second transfer of ${sub.contract}`)
    if (move.amount !== want) {
      refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: amount ${move.amount} is not the requests' ${want}`)
    }
    seen.add(sub.contract)
    spendFrom(sub.contract, move.amount, ctx, out)
  })
  for (const [asset, amount] of inbound) {
    // Never "no transfer shown, so zero spent": the pool would pull the tokens it is owed.
    if (amount > 0n && !seen.has(asset)) {
      refuse(
        'ERR_POLICY_SOROBAN_TRANSFER',
        `${what}: ${money(asset, amount, ctx)} supplied or repaid without its transfer`,
      )
    }
  }
}

function claim(call: Call, known: KnownContract, ctx: ReadContext, out: Reading): void {
  const what = 'blend claim'
  arity(call, 3, what)
  const [a0, a1, a2] = call.args
  const from = readAddress(a0, `${what} from`)
  const ids = readVec(a1, `${what} reserve_token_ids`, 64).map((v, i) =>
    readU32(v, `${what} reserve_token_ids ${i}`),
  )
  const to = readAddress(a2, `${what} to`)
  if (!isOwner(from, ctx))
    refuse('ERR_POLICY_SOROBAN_ACCOUNT', `${what}: from ${from} is not the signing account`)
  if (!isOwn(to, ctx))
    refuse('ERR_POLICY_SOROBAN_RECIPIENT', `${what}: to ${to} is not one of the user's accounts`)
  if (call.subs.length > 0)
    refuse('ERR_POLICY_SOROBAN_TRANSFER', `${what}: a claim moves nothing of the account's`)
  out.lines.push({
    kind: 'contract_call',
    contract: call.contract,
    destination: to,
    text: `Claim BLND emissions (reserve tokens ${ids.join(', ') || 'none'}) from ${known.label}, paid to ${short(to)}`,
  })
}
