/**
 * The Horizon stand-in's in-memory ledger: accounts, trustlines and offers, with every amount in stroops as a
 * bigint. `World` is plain data (Maps, bigints) so a submission can work on a `structuredClone` draft and
 * commit it only when every operation succeeded — the same all-or-nothing rule as stellar-core.
 */
import { Asset as SdkAsset } from '@stellar/stellar-sdk/base'
import type { TradeState } from './crossing.ts'

export type AssetRef = { readonly type: 'native' } | { readonly type: 'credit'; code: string; issuer: string }

export const NATIVE: AssetRef = { type: 'native' }

export type Trustline = {
  code: string
  issuer: string
  balance: bigint
  limit: bigint
  lastModifiedLedger: number
}

export type Signer = { key: string; weight: number }

export type AccountState = {
  id: string
  sequence: bigint
  native: bigint
  trustlines: Map<string, Trustline>
  /** Signers other than the master key. */
  signers: Signer[]
  masterWeight: number
  thresholds: { low: number; med: number; high: number }
  data: Map<string, string>
  lastModifiedLedger: number
}

export type OfferState = {
  id: bigint
  seller: string
  selling: AssetRef
  buying: AssetRef
  /** Amount of `selling` still on offer. */
  amount: bigint
  /** Price of one unit of `selling` in units of `buying`, as Stellar's n/d. */
  price: { n: number; d: number }
  lastModifiedLedger: number
}

export type World = {
  accounts: Map<string, AccountState>
  offers: Map<string, OfferState>
  nextOfferId: bigint
  /** Fills, oldest first; part of the world so a failed transaction's fills vanish with it. */
  trades: TradeState[]
}

export const emptyWorld = (): World => ({
  accounts: new Map(),
  offers: new Map(),
  nextOfferId: 1n,
  trades: [],
})

export function assetKey(a: AssetRef): string {
  return a.type === 'native' ? 'native' : `${a.code}:${a.issuer}`
}

export function fromSdkAsset(a: SdkAsset): AssetRef {
  const issuer = a.getIssuer()
  if (a.isNative() || issuer === undefined) return NATIVE
  return { type: 'credit', code: a.getCode(), issuer }
}

export function toSdkAsset(a: AssetRef): SdkAsset {
  return a.type === 'native' ? SdkAsset.native() : new SdkAsset(a.code, a.issuer)
}

export function sameAsset(a: AssetRef, b: AssetRef): boolean {
  return assetKey(a) === assetKey(b)
}

/** Horizon's asset fields: `asset_type` plus code and issuer for issued assets. */
export function assetFields(a: AssetRef, prefix = ''): Record<string, string> {
  if (a.type === 'native') return { [`${prefix}asset_type`]: 'native' }
  return {
    [`${prefix}asset_type`]: a.code.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12',
    [`${prefix}asset_code`]: a.code,
    [`${prefix}asset_issuer`]: a.issuer,
  }
}

/** Reads Horizon's query form of an asset (`selling_asset_type`, `selling_asset_code`, …). */
export function assetFromQuery(q: URLSearchParams, prefix: string): AssetRef | undefined {
  const type = q.get(`${prefix}_asset_type`)
  if (type === 'native') return NATIVE
  const code = q.get(`${prefix}_asset_code`)
  const issuer = q.get(`${prefix}_asset_issuer`)
  if ((type === 'credit_alphanum4' || type === 'credit_alphanum12') && code && issuer) {
    return { type: 'credit', code, issuer }
  }
  return undefined
}

/** Subentries count toward the reserve: trustlines, offers, extra signers, data entries. */
export function subentries(w: World, a: AccountState): number {
  let offers = 0
  for (const o of w.offers.values()) if (o.seller === a.id) offers++
  return a.trustlines.size + offers + a.signers.length + a.data.size
}

export function minimumBalance(w: World, a: AccountState, baseReserve: bigint, extra = 0): bigint {
  return BigInt(2 + subentries(w, a) + extra) * baseReserve
}

/** Native balance above the reserve: what the account can spend. */
export function spendableNative(w: World, a: AccountState, baseReserve: bigint): bigint {
  const free = a.native - minimumBalance(w, a, baseReserve)
  return free > 0n ? free : 0n
}

export function newAccount(id: string, native: bigint, ledger: number): AccountState {
  return {
    id,
    // stellar-core starts a new account's sequence at (ledger << 32).
    sequence: BigInt(ledger) << 32n,
    native,
    trustlines: new Map(),
    signers: [],
    masterWeight: 1,
    thresholds: { low: 0, med: 0, high: 0 },
    data: new Map(),
    lastModifiedLedger: ledger,
  }
}

/** Amounts on Horizon's wire always carry seven decimals: "100.0000000". */
export function wireAmount(stroops: bigint): string {
  const neg = stroops < 0n
  const abs = neg ? -stroops : stroops
  const frac = (abs % 10_000_000n).toString().padStart(7, '0')
  return `${neg ? '-' : ''}${abs / 10_000_000n}.${frac}`
}

/** A price n/d as Horizon prints it: seven decimals, rounded down. */
export function wirePrice(p: { n: number; d: number }): string {
  return wireAmount((BigInt(p.n) * 10_000_000n) / BigInt(p.d))
}
