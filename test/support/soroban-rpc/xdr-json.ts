/**
 * stellar-xdr JSON (the snake_case form `stellar xdr decode --output json` and the protocols' snapshot
 * files use) → stellar-sdk ScVal, for the subset Blend's snapshot and the recorded Soroswap transaction
 * contain. Anything else throws: a stand-in that silently guessed would serve state that never existed.
 */
import { Address, nativeToScVal, xdr } from '@stellar/stellar-sdk/base'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const hexBytes = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16))

export function scValFromJson(j: Json): xdr.ScVal {
  if (j === 'void') return xdr.ScVal.scvVoid()
  if (j === 'ledger_key_contract_instance') return xdr.ScVal.scvLedgerKeyContractInstance()
  if (j === null || typeof j !== 'object' || Array.isArray(j))
    throw new Error(`unsupported ScVal JSON ${JSON.stringify(j)}`)
  const [tag, v] = Object.entries(j)[0] ?? []
  switch (tag) {
    case 'bool':
      return xdr.ScVal.scvBool(v === true)
    case 'u32':
      return xdr.ScVal.scvU32(Number(v))
    case 'i32':
      return xdr.ScVal.scvI32(Number(v))
    case 'u64':
      return nativeToScVal(BigInt(v as number), { type: 'u64' })
    case 'i128': {
      const p = v as { hi: number | string; lo: number | string }
      return nativeToScVal((BigInt(p.hi) << 64n) + BigInt(p.lo), { type: 'i128' })
    }
    case 'symbol':
      return xdr.ScVal.scvSymbol(String(v))
    case 'string':
      return xdr.ScVal.scvString(String(v))
    case 'bytes':
      return xdr.ScVal.scvBytes(hexBytes(String(v)))
    case 'address':
      return new Address(String(v)).toScVal()
    case 'vec':
      return xdr.ScVal.scvVec(((v as Json[] | null) ?? []).map(scValFromJson))
    case 'map':
      return xdr.ScVal.scvMap(
        ((v as { key: Json; val: Json }[] | null) ?? []).map(
          (e) => new xdr.ScMapEntry({ key: scValFromJson(e.key), val: scValFromJson(e.val) }),
        ),
      )
    default:
      throw new Error(`unsupported ScVal JSON tag ${String(tag)}`)
  }
}

export type { Json }
