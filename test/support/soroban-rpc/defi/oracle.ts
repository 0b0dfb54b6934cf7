/**
 * A SEP-40 price oracle at the Blend pool's oracle id, for tests that need a health factor: `decimals()`
 * and `lastprice(Asset::Stellar(address)) -> Option<PriceData { price, timestamp }>`. It holds no prices
 * until a test sets them (`host.oracle` map): the snapshot has no oracle data, and a stand-in must not make
 * up a market. With no price the call returns `None`, which the edge treats as "no prices" (fail closed).
 * Not emulated: `Asset::Other`, `price(asset, timestamp)`, `prices`, `lastprice` staleness.
 */
import { nativeToScVal, scValToNative, xdr } from '@stellar/stellar-sdk/base'
import { done, type Emulated } from './host.ts'

export const ORACLE_DECIMALS = 7

export function oracle(prices: Map<string, bigint>): Emulated {
  return {
    call(_h, frame, fn, args) {
      if (fn === 'decimals') return done(xdr.ScVal.scvU32(ORACLE_DECIMALS))
      if (fn !== 'lastprice')
        return { ok: false, error: `Error(WasmVm, MissingValue): the oracle stand-in has no function ${fn}` }
      const asset = args[0] ? (scValToNative(args[0]) as unknown) : undefined
      const id =
        Array.isArray(asset) && asset[0] === 'Stellar' && typeof asset[1] === 'string' ? asset[1] : undefined
      const price = id ? prices.get(id) : undefined
      if (price === undefined) return done(xdr.ScVal.scvVoid())
      return done(
        xdr.ScVal.scvMap([
          new xdr.ScMapEntry({
            key: xdr.ScVal.scvSymbol('price'),
            val: nativeToScVal(price, { type: 'i128' }),
          }),
          new xdr.ScMapEntry({
            key: xdr.ScVal.scvSymbol('timestamp'),
            val: nativeToScVal(frame.now, { type: 'u64' }),
          }),
        ]),
      )
    },
  }
}
