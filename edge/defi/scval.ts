/**
 * The few ScVal encoders the protocol clients need, built directly on stellar-sdk's XDR types so nothing
 * depends on a protocol SDK (blend-sdk pins its own stellar-sdk: a second copy in the Worker bundle).
 * Contract structs (`#[contracttype] struct`) are ScMaps whose keys are symbols in sorted order; the host
 * rejects an unsorted map, so `structScVal` sorts.
 */
import { Address, nativeToScVal, StrKey, xdr } from '@stellar/stellar-sdk/base'

export const I128_MAX = (1n << 127n) - 1n

export const i128 = (v: bigint): xdr.ScVal => nativeToScVal(v, { type: 'i128' })
export const u32 = (v: number): xdr.ScVal => xdr.ScVal.scvU32(v)
export const u64 = (v: bigint): xdr.ScVal => nativeToScVal(v, { type: 'u64' })
export const bool = (v: boolean): xdr.ScVal => xdr.ScVal.scvBool(v)
export const address = (strkey: string): xdr.ScVal => new Address(strkey).toScVal()
export const vec = (items: readonly xdr.ScVal[]): xdr.ScVal => xdr.ScVal.scvVec([...items])

/** A contract struct: symbol keys, sorted as the host requires. */
export function structScVal(fields: Readonly<Record<string, xdr.ScVal>>): xdr.ScVal {
  const keys = Object.keys(fields).sort()
  return xdr.ScVal.scvMap(
    keys.map((k) => new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol(k), val: fields[k] as xdr.ScVal })),
  )
}

export const isContractId = (s: string): boolean => StrKey.isValidContract(s)
export const isAccountId = (s: string): boolean => StrKey.isValidEd25519PublicKey(s)
/** A Soroban `Address`: an account (G…) or a contract (C…). */
export const isAddress = (s: string): boolean => isAccountId(s) || isContractId(s)
