/**
 * Where the DeFi protocols live on each network. Ids are copied from the protocols' own deployment files
 * (../shared/fixtures/defi/: blend-capital/blend-utils b05242d, paltalabs/defindex 32c8169, soroswap/core and
 * soroswap/aggregator 7de298d). A local module until shared/network.ts carries them (w12a is adding them
 * there); then this reads from it. On `custom` they are the network's configuration (PROTOCOL_CONTRACTS).
 * Threat: a pool, vault or router id the model invents is never called — tools resolve names here.
 */
import { Asset } from '@stellar/stellar-sdk/base'
import type { NetworkConfig } from '../../shared/network.ts'

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
 * A `custom` network's deployments come from its configuration (PROTOCOL_CONTRACTS, the same value the
 * signer reads, shared/network.ts): no id is compiled in. Token contracts are the Stellar Asset Contracts
 * derived from the passphrase, as on any real network (XLM always; USDC from the configured issuer).
 */
function customDeployments(network: NetworkConfig): DefiDeployments {
  const c = network.customProtocols
  const tokens: Record<string, { readonly id: string; readonly decimals: number }> = {
    XLM: { id: Asset.native().contractId(network.passphrase), decimals: 7 },
  }
  if (c?.usdcIssuer)
    tokens.USDC = { id: new Asset('USDC', c.usdcIssuer).contractId(network.passphrase), decimals: 7 }
  if (c?.blend) tokens.BLND = { id: c.blend.blnd, decimals: 7 }
  return {
    blend: c?.blend
      ? {
          backstop: c.blend.backstop,
          poolFactory: undefined,
          blnd: c.blend.blnd,
          pools: Object.entries(c.blend.pools).map(([name, id]) => ({ id, name })),
        }
      : undefined,
    defindex: c?.defindex ? { factory: c.defindex.factory } : undefined,
    soroswap: c?.soroswap
      ? { router: c.soroswap.router, factory: c.soroswap.factory, aggregator: c.soroswap.aggregator }
      : undefined,
    tokens,
  }
}

const customCache = new WeakMap<NetworkConfig, DefiDeployments>()

export function defiDeployments(network: NetworkConfig): DefiDeployments {
  if (network.name === 'mainnet') return MAINNET
  if (network.name === 'testnet') return TESTNET
  let d = customCache.get(network)
  if (!d) {
    d = customDeployments(network)
    customCache.set(network, d)
  }
  return d
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
