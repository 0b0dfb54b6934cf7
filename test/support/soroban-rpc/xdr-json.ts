/**
 * stellar-xdr JSON (the snake_case form `stellar xdr decode --output json` and the protocols' snapshot
 * files use) → stellar-sdk ScVal, for the subset Blend's snapshot and the recorded Soroswap transaction
 * contain. Anything else throws: a stand-in that silently guessed would serve state that never existed.
 */
import { Address, nativeToScVal, xdr } from '@stellar/stellar-sdk/base'

type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json }

/** JSON.parse that keeps integers past 2^53 exact (as bigint), using the reviver's source text. */
export function parseJsonExact(text: string): Json {
  return JSON.parse(text, (_k, v: unknown, ctx?: { source?: string }) =>
    typeof v === 'number' && !Number.isSafeInteger(v) && ctx?.source && /^-?[0-9]+$/.test(ctx.source)
      ? BigInt(ctx.source)
      : v,
  ) as Json
}

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
      return nativeToScVal(BigInt(v as number | bigint), { type: 'u64' })
    case 'i128': {
      const p = v as { hi: number | bigint; lo: number | bigint }
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
    case 'contract_instance': {
      const ci = v as { executable: { wasm?: string }; storage: { key: Json; val: Json }[] | null }
      if (!ci.executable.wasm) throw new Error('only wasm contract instances are supported')
      return xdr.ScVal.scvContractInstance(
        new xdr.ScContractInstance({
          executable: xdr.ContractExecutable.contractExecutableWasm(hexBytes(ci.executable.wasm)),
          storage: (ci.storage ?? []).map(
            (e) => new xdr.ScMapEntry({ key: scValFromJson(e.key), val: scValFromJson(e.val) }),
          ),
        }),
      )
    }
    default:
      throw new Error(`unsupported ScVal JSON tag ${String(tag)}`)
  }
}

export type { Json }
