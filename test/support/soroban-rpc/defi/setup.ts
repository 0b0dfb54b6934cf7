/**
 * The DeFi contracts the Soroban RPC stand-in serves, at the ids of ids.ts (announced to the edge and the
 * signer as `PROTOCOL_CONTRACTS`; token ids derived from the passphrase): tokens (XLM backed by the Horizon stand-in's native balances, USDC, BLND), the Blend
 * pool and backstop reward zone from the mainnet snapshot, a DeFindex factory and vault, a Soroswap
 * factory, pair and router. See each emulating file's header for what is and is not emulated.
 */
import type { StandInLedger } from '../../horizon/ledger.ts'
import { blendPool } from './blend.ts'
import { loadBlendSnapshot } from './blend-snapshot.ts'
import { defindexFactory, defindexVault, seedVault } from './defindex.ts'
import { Host } from './host.ts'
import { SNAPSHOT_TOKENS, standInIds } from './ids.ts'
import { oracle } from './oracle.ts'
import { seedPair, soroswapFactory, soroswapPair, soroswapRouter } from './soroswap.ts'
import { token } from './token.ts'

/** Functions that `require_auth` the user at the root of the call (so simulation returns an auth entry). */
export const AUTHORISED_FNS = new Set([
  'submit',
  'claim',
  'deposit',
  'withdraw',
  'swap_exact_tokens_for_tokens',
  'transfer',
])

export function startDefiHost(ledger: StandInLedger, passphrase: string): Host {
  const STAND_IN = standInIds(passphrase)
  const host = new Host({
    get: (id) => ledger.account(id)?.native,
    set: (id, v) => {
      const a = ledger.account(id)
      if (a) a.native = v
    },
  })
  host.nativeToken = STAND_IN.xlm
  host.contracts.set(STAND_IN.xlm, token(STAND_IN.xlm, 'native', 7))
  host.contracts.set(STAND_IN.usdc, token(STAND_IN.usdc, 'USDC', 7))
  host.contracts.set(STAND_IN.blnd, token(STAND_IN.blnd, 'BLND', 7))
  loadBlendSnapshot(
    host,
    {
      pool: STAND_IN.pool,
      backstop: STAND_IN.backstop,
      tokens: { [SNAPSHOT_TOKENS.xlm]: STAND_IN.xlm, [SNAPSHOT_TOKENS.usdc]: STAND_IN.usdc },
    },
    BigInt(Math.floor(ledger.options.now() / 1000)),
  )
  host.contracts.set(STAND_IN.pool, blendPool(STAND_IN.pool))
  host.contracts.set(STAND_IN.oracle, oracle(host.oraclePrices))
  host.contracts.set(STAND_IN.defindexFactory, defindexFactory([STAND_IN.defindexVault]))
  host.contracts.set(STAND_IN.defindexVault, defindexVault(STAND_IN.defindexVault, STAND_IN.usdc))
  seedVault(host, STAND_IN.defindexVault, STAND_IN.usdc, BigInt(Math.floor(ledger.options.now() / 1000)))
  const pair = { pair: STAND_IN.soroswapPair, tokenA: STAND_IN.xlm, tokenB: STAND_IN.usdc }
  host.contracts.set(STAND_IN.soroswapFactory, soroswapFactory(pair))
  host.contracts.set(STAND_IN.soroswapPair, soroswapPair(pair))
  host.contracts.set(STAND_IN.soroswapRouter, soroswapRouter(pair))
  seedPair(host, pair, { [STAND_IN.xlm]: 1_000_000_0000000n, [STAND_IN.usdc]: 250_000_0000000n })
  return host
}
