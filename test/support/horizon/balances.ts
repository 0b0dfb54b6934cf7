/**
 * Moving value between accounts in the draft world. The issuer of an asset holds an unlimited supply and no
 * trustline for it, as on the network; everyone else needs a trustline with room under its limit.
 */
import { type AccountState, type AssetRef, assetKey, spendableNative, type World } from './state.ts'

export type DebitProblem = 'no_trust' | 'underfunded'
export type CreditProblem = 'no_trust' | 'line_full'

const isIssuer = (a: AccountState, asset: AssetRef) => asset.type === 'credit' && asset.issuer === a.id

/** What the account can send of an asset (native: above the reserve). */
export function available(
  w: World,
  a: AccountState,
  asset: AssetRef,
  baseReserve: bigint,
): bigint | undefined {
  if (asset.type === 'native') return spendableNative(w, a, baseReserve)
  if (isIssuer(a, asset)) return 2n ** 63n - 1n
  return a.trustlines.get(assetKey(asset))?.balance
}

export function debit(
  w: World,
  a: AccountState,
  asset: AssetRef,
  amount: bigint,
  baseReserve: bigint,
): DebitProblem | undefined {
  const have = available(w, a, asset, baseReserve)
  if (have === undefined) return 'no_trust'
  if (have < amount) return 'underfunded'
  if (asset.type === 'native') a.native -= amount
  else if (!isIssuer(a, asset)) {
    const line = a.trustlines.get(assetKey(asset))
    if (line) line.balance -= amount
  }
  return undefined
}

export function canCredit(a: AccountState, asset: AssetRef, amount: bigint): CreditProblem | undefined {
  if (asset.type === 'native' || isIssuer(a, asset)) return undefined
  const line = a.trustlines.get(assetKey(asset))
  if (!line) return 'no_trust'
  if (line.balance + amount > line.limit) return 'line_full'
  return undefined
}

export function credit(a: AccountState, asset: AssetRef, amount: bigint): CreditProblem | undefined {
  const problem = canCredit(a, asset, amount)
  if (problem) return problem
  if (asset.type === 'native') a.native += amount
  else if (!isIssuer(a, asset)) {
    const line = a.trustlines.get(assetKey(asset))
    if (line) line.balance += amount
  }
  return undefined
}
