/**
 * Prices from the pool's own oracle (SEP-40, as Blend's `Pool::load_price` reads it):
 * `decimals() -> u32` and `lastprice(asset: Asset) -> Option<PriceData { price: i128, timestamp: u64 }>` with
 * `Asset::Stellar(Address)`. Never a constant: without an answer for every asset there are no prices, the
 * health factor check fails closed and USD values are left out.
 */
import { Address, scValToNative, xdr } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import { type ContractReader, readCall } from '../contract-reader.ts'
import type { Prices } from './health.ts'

const PriceDataSchema = z.object({ price: z.bigint().min(1n), timestamp: z.bigint().min(0n) })

export const stellarAsset = (token: string) =>
  xdr.ScVal.scvVec([xdr.ScVal.scvSymbol('Stellar'), new Address(token).toScVal()])

export async function loadOraclePrices(
  rpc: ContractReader,
  passphrase: string,
  oracle: string,
  assets: readonly string[],
): Promise<Prices | undefined> {
  try {
    const dec = scValToNative(await readCall(rpc, passphrase, oracle, 'decimals', []))
    const decimals = z.number().int().min(0).max(38).parse(dec)
    const byAsset = new Map<string, bigint>()
    for (const a of assets) {
      const v = await readCall(rpc, passphrase, oracle, 'lastprice', [stellarAsset(a)])
      const parsed = PriceDataSchema.safeParse(scValToNative(v))
      if (!parsed.success) return undefined
      byAsset.set(a, parsed.data.price)
    }
    return { decimals, byAsset }
  } catch {
    return undefined
  }
}
