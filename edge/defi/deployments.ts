/**
 * Where the DeFi protocols live on each network. Ids are copied from the protocols' own deployment files
 * (../shared/fixtures/defi/: blend-capital/blend-utils b05242d, paltalabs/defindex 32c8169, soroswap/core and
 * soroswap/aggregator 7de298d). A local module until shared/network.ts carries them (w12a is adding them
 * there); then this reads from it. On `custom` the ids are those the local Soroban RPC stand-in serves
 * (test/support/soroban-rpc/defi/): a real custom network has no known DeFi deployments.
 * Threat: a pool, vault or router id the model invents is never called — tools resolve names here.
 */
import type { NetworkName } from '../../shared/network.ts'

export type KnownPool = { readonly id: string; readonly name: string }

export type DefiDeployments = {
  readonly blend:
    | {
        readonly backstop: string
        readonly poolFactory: string | undefined
        readonly blnd: string
        /** Pools we list even when they are out of the backstop's reward zone. */
        readonly pools: readonly KnownPool[]
      }
    | undefined
  readonly defindex: { readonly factory: string } | undefined
  readonly soroswap:
    | { readonly router: string; readonly factory: string; readonly aggregator: string | undefined }
    | undefined
  /** Well-known token contracts by symbol, for "USDC" in a request. */
  readonly tokens: Readonly<Record<string, { readonly id: string; readonly decimals: number }>>
}

const MAINNET: DefiDeployments = {
  blend: {
    backstop: 'CAQQR5SWBXKIGZKPBZDH3KM5GQ5GUTPKB7JAFCINLZBC5WXPJKRG3IM7',
    poolFactory: 'CDSYOAVXFY7SM5S64IZPPPYB4GVGGLMQVFREPSQQEZVIWXX5R23G4QSU',
    blnd: 'CD25MNVTZDL4Y3XBCPCJXGXATV5WUHHOWMYFF4YBEGU5FCPGMYTVG5JY',
    pools: [
      { id: 'CAJJZSGMMM3PD7N33TAPHGBUGTB43OC73HVIK2L2G6BNGGGYOSSYBXBD', name: 'Fixed' },
      { id: 'CCCCIQSDILITHMM7PBSLVDT5MISSY7R26MNZXCX4H7J5JQ5FPIYOGYFS', name: 'YieldBlox' },
    ],
  },
  defindex: { factory: 'CDKFHFJIET3A73A2YN4KV7NSV32S6YGQMUFH3DNJXLBWL4SKEGVRNFKI' },
  soroswap: {
    router: 'CAG5LRYQ5JVEUI5TEID72EYOVX44TTUJT5BQR2J6J77FH65PCCFAJDDH',
    factory: 'CA4HEQTL2WPEUYKYKCDOHCDNIV4QHNJ7EL4J4NQ6VADP7SYHVRYZ7AW2',
    aggregator: 'CAYP3UWLJM7ZPTUKL6R6BFGTRWLZ46LRKOXTERI2K6BIJAWGYY62TXTO',
  },
  tokens: {
    XLM: { id: 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA', decimals: 7 },
    USDC: { id: 'CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75', decimals: 7 },
    BLND: { id: 'CD25MNVTZDL4Y3XBCPCJXGXATV5WUHHOWMYFF4YBEGU5FCPGMYTVG5JY', decimals: 7 },
  },
}

const TESTNET: DefiDeployments = {
  blend: {
    backstop: 'CBDVWXT433PRVTUNM56C3JREF3HIZHRBA64NB2C3B2UNCKIS65ZYCLZA',
    poolFactory: 'CDV6RX4CGPCOKGTBFS52V3LMWQGZN3LCQTXF5RVPOOCG4XVMHXQ4NTF6',
    blnd: 'CB22KRA3YZVCNCQI64JQ5WE7UY2VAV7WFLK6A2JN3HEX56T2EDAFO7QF',
    pools: [{ id: 'CCEBVDYM32YNYCVNRXQKDFFPISJJCV557CDZEIRBEE4NCV4KHPQ44HGF', name: 'TestnetV2' }],
  },
  defindex: undefined,
  soroswap: {
    router: 'CCMAPXWVZD4USEKDWRYS7DA4Y3D7E2SDMGBFJUCEXTC7VN6CUBGWPFUS',
    factory: 'CDJTMBYKNUGINFQALHDMPLZYNGUV42GPN4B7QOYTWHRC4EE5IYJM6AES',
    aggregator: 'CCPZ66ZJILSB3E27OUV6ZVL7GM7VEWBU32MAZLVBK5EV36GOBH53OO5E',
  },
  tokens: {
    XLM: { id: 'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC', decimals: 7 },
    USDC: { id: 'CAQCFVLOBK5GIULPNZRGATJJMIZL5BSP7X5YJVMGCPTUEPFM4AVSRCJU', decimals: 7 },
    BLND: { id: 'CB22KRA3YZVCNCQI64JQ5WE7UY2VAV7WFLK6A2JN3HEX56T2EDAFO7QF', decimals: 7 },
  },
}

/**
 * The local stand-in (test/support/soroban-rpc/defi/ids.ts re-exports these): the Blend pool is the snapshot's
 * mainnet v1 "Fixed XLM-USDC" pool served as a v2 pool at its own id, with the snapshot's XLM and USDC token
 * ids and v1 backstop (whose reward zone it serves); the DeFindex factory/vault and the Soroswap
 * router/factory/pair are stand-in contracts at fixed ids.
 */
export const STAND_IN = {
  pool: 'CDVQVKOY2YSXS2IC7KN6MNASSHPAO7UN2UR2ON4OI2SKMFJNVAMDX6DP',
  backstop: 'CAO3AGAMZVRMHITL36EJ2VZQWKYRPWMQAPDQD5YEOF3GIF7T44U4JAL3',
  oracle: 'CATKK5ZNJCKQQWTUWIUFZMY6V6MOQUGSTFSXMNQZHVJHYF7GVV36FB3Y',
  xlm: 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA',
  usdc: 'CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75',
  blnd: 'CD25MNVTZDL4Y3XBCPCJXGXATV5WUHHOWMYFF4YBEGU5FCPGMYTVG5JY',
  defindexFactory: 'CDI5DUOR2HI5DUOR2HI5DUOR2HI5DUOR2HI5DUOR2HI5DUOR2HI5DZUV',
  defindexVault: 'CDJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNEJ4S',
  soroswapRouter: 'CBPV6X27L5PV6X27L5PV6X27L5PV6X27L5PV6X27L5PV6X27L5PV6POA',
  soroswapFactory: 'CBNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFU7WI',
  soroswapPair: 'CBNVWW23LNNVWW23LNNVWW23LNNVWW23LNNVWW23LNNVWW23LNNVXQOK',
} as const

const CUSTOM: DefiDeployments = {
  blend: {
    backstop: STAND_IN.backstop,
    poolFactory: undefined,
    blnd: STAND_IN.blnd,
    pools: [{ id: STAND_IN.pool, name: 'Fixed XLM-USDC' }],
  },
  defindex: { factory: STAND_IN.defindexFactory },
  soroswap: { router: STAND_IN.soroswapRouter, factory: STAND_IN.soroswapFactory, aggregator: undefined },
  tokens: {
    XLM: { id: STAND_IN.xlm, decimals: 7 },
    USDC: { id: STAND_IN.usdc, decimals: 7 },
    BLND: { id: STAND_IN.blnd, decimals: 7 },
  },
}

export function defiDeployments(network: NetworkName): DefiDeployments {
  return network === 'mainnet' ? MAINNET : network === 'testnet' ? TESTNET : CUSTOM
}

/** "USDC", "usdc" or a contract id → the token; undefined when neither. */
export function resolveToken(
  d: DefiDeployments,
  symbolOrId: string,
): { readonly symbol: string; readonly id: string; readonly decimals: number } | undefined {
  const bySymbol = Object.entries(d.tokens).find(([s]) => s.toLowerCase() === symbolOrId.toLowerCase())
  if (bySymbol) return { symbol: bySymbol[0], ...bySymbol[1] }
  const byId = Object.entries(d.tokens).find(([, t]) => t.id === symbolOrId)
  return byId ? { symbol: byId[0], ...byId[1] } : undefined
}
