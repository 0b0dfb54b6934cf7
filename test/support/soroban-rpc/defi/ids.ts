/**
 * Where the Soroban RPC stand-in serves its DeFi contracts, and the `PROTOCOL_CONTRACTS` value that tells the
 * edge and the signer about them (one value, given to both sides by scripts/lib/stand-ins.ts and
 * test/global-setup.ts, so they agree by construction).
 *
 * Token ids are derived from the passphrase exactly as a real network derives them (the Stellar Asset
 * Contract of XLM and of USDC issued by the stand-in's USDC issuer), so the signer's own derivation from its
 * configured assets finds them: nothing on either side special-cases the stand-in. The Blend pool is the
 * snapshot's mainnet v1 "Fixed XLM-USDC" pool served as a v2 pool at its own id with the snapshot's v1
 * backstop (whose reward zone it serves) and oracle; BLND keeps the snapshot's id (the stand-in serves it as a
 * plain token). DeFindex factory/vault and Soroswap router/factory/pair are stand-in contracts at fixed ids.
 */
import { Asset } from '@stellar/stellar-sdk/base'
import type { CustomProtocols } from '../../../../shared/network.ts'

/** The stand-in network's USDC issuer (a fixed account id; no one holds its key — the stand-in mints). */
export const STAND_IN_USDC_ISSUER = 'GDUKMGUGDZQK6YHYA5Z6AY2G4XDSZPSZ3SW5UN3ARVMO6QSRDWP5YLEX'

/** The snapshot's mainnet ids of the tokens the stand-in serves under their derived ids. */
export const SNAPSHOT_TOKENS = {
  xlm: 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA',
  usdc: 'CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75',
} as const

export const STAND_IN_CONTRACTS = {
  pool: 'CDVQVKOY2YSXS2IC7KN6MNASSHPAO7UN2UR2ON4OI2SKMFJNVAMDX6DP',
  backstop: 'CAO3AGAMZVRMHITL36EJ2VZQWKYRPWMQAPDQD5YEOF3GIF7T44U4JAL3',
  oracle: 'CATKK5ZNJCKQQWTUWIUFZMY6V6MOQUGSTFSXMNQZHVJHYF7GVV36FB3Y',
  blnd: 'CD25MNVTZDL4Y3XBCPCJXGXATV5WUHHOWMYFF4YBEGU5FCPGMYTVG5JY',
  defindexFactory: 'CDI5DUOR2HI5DUOR2HI5DUOR2HI5DUOR2HI5DUOR2HI5DUOR2HI5DZUV',
  defindexVault: 'CDJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNEJ4S',
  soroswapRouter: 'CBPV6X27L5PV6X27L5PV6X27L5PV6X27L5PV6X27L5PV6X27L5PV6POA',
  soroswapFactory: 'CBNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFU7WI',
  soroswapPair: 'CBNVWW23LNNVWW23LNNVWW23LNNVWW23LNNVWW23LNNVWW23LNNVXQOK',
} as const

export type StandInIds = typeof STAND_IN_CONTRACTS & { readonly xlm: string; readonly usdc: string }

/** Every id the stand-in serves on the network with this passphrase. */
export function standInIds(passphrase: string): StandInIds {
  return Object.freeze({
    ...STAND_IN_CONTRACTS,
    xlm: Asset.native().contractId(passphrase),
    usdc: new Asset('USDC', STAND_IN_USDC_ISSUER).contractId(passphrase),
  })
}

/** The `PROTOCOL_CONTRACTS` value for the stand-in network (edge and signer alike). */
export function standInProtocolContracts(): CustomProtocols {
  const c = STAND_IN_CONTRACTS
  return {
    usdcIssuer: STAND_IN_USDC_ISSUER,
    blend: { backstop: c.backstop, blnd: c.blnd, pools: { 'Fixed XLM-USDC': c.pool } },
    defindex: { factory: c.defindexFactory, vaults: { 'USDC vault': c.defindexVault } },
    soroswap: { router: c.soroswapRouter, factory: c.soroswapFactory },
  }
}
