/** ScVal helpers the stand-in's emulated contracts share (struct maps with symbol keys in byte order). */
import { nativeToScVal, scValToNative, xdr } from '@stellar/stellar-sdk/base'

export const sym = (s: string) => xdr.ScVal.scvSymbol(s)
export const entry = (k: string, v: xdr.ScVal) => new xdr.ScMapEntry({ key: sym(k), val: v })
export const mapGet = (v: xdr.ScVal, k: string) =>
  v.type === 'scvMap'
    ? v.map?.find((e) => e.key.type === 'scvSymbol' && e.key.sym.toString() === k)?.val
    : undefined
export const i128 = (v: bigint) => nativeToScVal(v, { type: 'i128' })
export const u64 = (v: bigint) => nativeToScVal(v, { type: 'u64' })
export const big = (v: xdr.ScVal | undefined) => BigInt(scValToNative(v ?? xdr.ScVal.scvVoid()) as bigint)
/** Symbol keys in byte order, as the host sorts them ('_' before letters: b_rate < b_supply < backstop_credit). */
export const symName = (e: xdr.ScMapEntry) => (e.key.type === 'scvSymbol' ? e.key.sym.toString() : '')
export const sorted = (entries: xdr.ScMapEntry[]) =>
  xdr.ScVal.scvMap(entries.sort((a, b) => (symName(a) < symName(b) ? -1 : symName(a) > symName(b) ? 1 : 0)))
