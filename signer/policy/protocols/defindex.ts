/**
 * DeFindex vaults: `deposit(amounts_desired, amounts_min, from, invest)` and
 * `withdraw(withdraw_shares, min_amounts_out, from)`.
 * Source: paltalabs/defindex 32c8169, apps/contracts/vault/src/lib.rs (both: `from.require_auth()`; deposit
 * pulls at most `amounts_desired` of each vault asset from `from`; withdraw burns `from`'s shares and pays the
 * assets to `from`; investing into strategies is the vault's own authorisation, not the user's). Pure.
 *
 * Only vaults listed for the network or configured by the deployment reach this decoder; any other vault is
 * an unknown contract (a person decides). Threat: a look-alike "vault" that takes deposits and keeps them.
 */
import {
  amountFields,
  arity,
  type Call,
  callOf,
  isOwner,
  money,
  type ReadContext,
  type Reading,
  readAddress,
  readAmount,
  readBool,
  readVec,
  refuse,
  short,
  spendFrom,
} from './read.ts'
import type { KnownContract } from './registry.ts'
import { tokenMoveOf } from './token.ts'

/** DeFindex vaults hold a handful of assets; anything longer is not a vault call we read. */
const MAX_ASSETS = 16

export function decodeDefindex(call: Call, known: KnownContract, ctx: ReadContext, out: Reading): boolean {
  if (call.fn === 'deposit') deposit(call, known, ctx, out)
  else if (call.fn === 'withdraw') withdraw(call, known, ctx, out)
  else return false
  return true
}

function deposit(call: Call, known: KnownContract, ctx: ReadContext, out: Reading): void {
  const what = 'defindex deposit'
  arity(call, 4, what)
  const [a0, a1, a2, a3] = call.args
  const desired = readVec(a0, `${what} amounts_desired`, MAX_ASSETS).map((v, i) =>
    readAmount(v, `${what} amounts_desired ${i}`),
  )
  const mins = readVec(a1, `${what} amounts_min`, MAX_ASSETS).map((v, i) =>
    readAmount(v, `${what} amounts_min ${i}`),
  )
  const from = readAddress(a2, `${what} from`)
  const invest = readBool(a3, `${what} invest`)
  if (desired.length === 0 || desired.length !== mins.length) {
    refuse(
      'ERR_POLICY_SOROBAN_ARGS',
      `${what}: amounts_desired and amounts_min differ in length or are empty`,
    )
  }
  if (!isOwner(from, ctx))
    refuse('ERR_POLICY_SOROBAN_ACCOUNT', `${what}: from ${from} is not the signing account`)
  let ceiling = 0n
  for (const d of desired) if (d > ceiling) ceiling = d
  if (call.subs.length > desired.length)
    refuse('ERR_POLICY_SOROBAN_TRANSFER', `${what}: more transfers than assets`)
  if (call.subs.length === 0 && ceiling > 0n) {
    refuse('ERR_POLICY_SOROBAN_TRANSFER', `${what}: deposits without a transfer from the account`)
  }
  const seen = new Set<string>()
  const moved: bigint[] = []
  call.subs.forEach((inv, j) => {
    const w = `${what} transfer ${j}`
    const sub = callOf(inv)
    if (!sub) refuse('ERR_POLICY_SOROBAN_HOST_FUNCTION', `${w}: creates a contract`)
    if (sub.subs.length > 0) refuse('ERR_POLICY_SOROBAN_DEPTH', `${w}: nested deeper than a token transfer`)
    const move = tokenMoveOf(sub, w)
    if (move?.fn !== 'transfer') {
      refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: ${sub.fn} on ${sub.contract} is not a deposit transfer`)
    }
    if (!isOwner(move.from, ctx)) refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: not from the signing account`)
    if (move.to !== call.contract)
      refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: pays ${move.to}, not the vault`)
    if (seen.has(sub.contract))
      refuse('ERR_POLICY_SOROBAN_TRANSFER', `${w}: a second transfer of ${sub.contract}`)
    seen.add(sub.contract)
    moved.push(move.amount)
    spendFrom(sub.contract, move.amount, ctx, out)
    out.lines.push({
      kind: 'contract_call',
      contract: call.contract,
      ...amountFields(sub.contract, move.amount, ctx),
      text: `Deposit ${money(sub.contract, move.amount, ctx)} into ${known.label}${invest ? ', invested' : ''}`,
    })
  })
  // The vault pulls at most what was desired of each asset: the transfers must fit the desired amounts one to
  // one (both sorted largest first, each transfer within its counterpart), whatever the vault's asset order.
  const want = [...desired].sort(descending)
  moved.sort(descending).forEach((m, k) => {
    if (m > (want[k] ?? 0n))
      refuse('ERR_POLICY_SOROBAN_TRANSFER', `${what}: transfers more than amounts_desired`)
  })
}

const descending = (a: bigint, b: bigint): number => (a < b ? 1 : a > b ? -1 : 0)

function withdraw(call: Call, known: KnownContract, ctx: ReadContext, out: Reading): void {
  const what = 'defindex withdraw'
  arity(call, 3, what)
  const [a0, a1, a2] = call.args
  const shares = readAmount(a0, `${what} withdraw_shares`)
  const mins = readVec(a1, `${what} min_amounts_out`, MAX_ASSETS)
  for (const [i, v] of mins.entries()) readAmount(v, `${what} min_amounts_out ${i}`)
  const from = readAddress(a2, `${what} from`)
  // The vault pays `from`: being the signing account, the proceeds stay with the user.
  if (!isOwner(from, ctx))
    refuse('ERR_POLICY_SOROBAN_ACCOUNT', `${what}: from ${from} is not the signing account`)
  if (shares === 0n) refuse('ERR_POLICY_SOROBAN_ARGS', `${what}: zero shares`)
  if (call.subs.length > 0)
    refuse('ERR_POLICY_SOROBAN_TRANSFER', `${what}: a withdrawal moves nothing of the account's`)
  out.lines.push({
    kind: 'contract_call',
    contract: call.contract,
    destination: from,
    text: `Withdraw ${shares} vault share units from ${known.label}, paid to ${short(from)}`,
  })
}
