/**
 * Which DeFi contracts the agent may name: Blend pools, DeFindex vaults, the Soroswap router and factory,
 * and the tokens by code, per network. The model never supplies a contract id the registry does not hold:
 * an unknown pool, vault or token is refused before anything is read or built (ERR_DEFI_UNKNOWN_*), so a
 * prompt-injected "supply to CXYZ…" cannot point a money move at an attacker's contract.
 *
 * Ids for testnet and mainnet are copied from the protocols' own deployment files
 * (../shared/fixtures/defi/: blend-utils b05242d, soroswap/core b7e7cc9, paltalabs/defindex 32c8169).
 * A `custom` network (dev:local, a private network) names its own in `DEFI_CONTRACTS` (JSON, below).
 */
import { StrKey } from '@stellar/stellar-sdk/base'
import { z } from 'zod'

const ContractId = z.string().refine((s) => StrKey.isValidContract(s), 'not a contract id (C…)')
const Name = z.string().regex(/^[A-Za-z0-9_ -]{1,40}$/)

export const DefiRegistrySchema = z
  .object({
    /** Blend v2 pools: name → pool contract. */
    blendPools: z.record(Name, ContractId).default({}),
    /** DeFindex vaults: name → vault contract. */
    defindexVaults: z.record(Name, ContractId).default({}),
    soroswapRouter: ContractId.optional(),
    soroswapFactory: ContractId.optional(),
    /** Token code → token contract and its decimals. */
    tokens: z
      .record(
        z.string().regex(/^[A-Za-z0-9]{1,12}$/),
        z.object({ id: ContractId, decimals: z.number().int().min(0).max(38) }).strict(),
      )
      .default({}),
  })
  .strict()
export type DefiRegistry = z.infer<typeof DefiRegistrySchema>

const SAC = 7

export const MAINNET_DEFI: DefiRegistry = {
  blendPools: {
    Fixed: 'CAJJZSGMMM3PD7N33TAPHGBUGTB43OC73HVIK2L2G6BNGGGYOSSYBXBD',
    YieldBlox: 'CCCCIQSDILITHMM7PBSLVDT5MISSY7R26MNZXCX4H7J5JQ5FPIYOGYFS',
  },
  defindexVaults: {},
  soroswapRouter: 'CAG5LRYQ5JVEUI5TEID72EYOVX44TTUJT5BQR2J6J77FH65PCCFAJDDH',
  soroswapFactory: 'CA4HEQTL2WPEUYKYKCDOHCDNIV4QHNJ7EL4J4NQ6VADP7SYHVRYZ7AW2',
  tokens: {
    XLM: { id: 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA', decimals: SAC },
    USDC: { id: 'CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75', decimals: SAC },
    BLND: { id: 'CD25MNVTZDL4Y3XBCPCJXGXATV5WUHHOWMYFF4YBEGU5FCPGMYTVG5JY', decimals: SAC },
  },
}

export const TESTNET_DEFI: DefiRegistry = {
  blendPools: { TestnetV2: 'CCEBVDYM32YNYCVNRXQKDFFPISJJCV557CDZEIRBEE4NCV4KHPQ44HGF' },
  defindexVaults: {
    usdc_paltalabs_vault: 'CBMVK2JK6NTOT2O4HNQAIQFJY232BHKGLIMXDVQVHIIZKDACXDFZDWHN',
    xlm_paltalabs_vault: 'CCLV4H7WTLJQ7ATLHBBQV2WW3OINF3FOY5XZ7VPHZO7NH3D2ZS4GFSF6',
  },
  soroswapRouter: 'CCMAPXWVZD4USEKDWRYS7DA4Y3D7E2SDMGBFJUCEXTC7VN6CUBGWPFUS',
  soroswapFactory: 'CDJTMBYKNUGINFQALHDMPLZYNGUV42GPN4B7QOYTWHRC4EE5IYJM6AES',
  tokens: {
    XLM: { id: 'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC', decimals: SAC },
    USDC: { id: 'CAQCFVLOBK5GIULPNZRGATJJMIZL5BSP7X5YJVMGCPTUEPFM4AVSRCJU', decimals: SAC },
    BLND: { id: 'CB22KRA3YZVCNCQI64JQ5WE7UY2VAV7WFLK6A2JN3HEX56T2EDAFO7QF', decimals: SAC },
  },
}

export const EMPTY_DEFI: DefiRegistry = {
  blendPools: {},
  defindexVaults: {},
  tokens: {},
}

/** The registry of a network: built in for testnet/mainnet, `DEFI_CONTRACTS` for custom (else empty). */
export function defiRegistryFor(
  network: 'testnet' | 'mainnet' | 'custom',
  customJson: string | undefined,
): { ok: true; registry: DefiRegistry } | { ok: false; problem: string } {
  if (network === 'mainnet') return { ok: true, registry: MAINNET_DEFI }
  if (network === 'testnet') return { ok: true, registry: TESTNET_DEFI }
  if (customJson === undefined) return { ok: true, registry: EMPTY_DEFI }
  let raw: unknown
  try {
    raw = JSON.parse(customJson)
  } catch {
    return { ok: false, problem: 'DEFI_CONTRACTS: not JSON' }
  }
  const parsed = DefiRegistrySchema.safeParse(raw)
  return parsed.success
    ? { ok: true, registry: parsed.data }
    : { ok: false, problem: `DEFI_CONTRACTS: ${parsed.error.issues[0]?.message ?? 'invalid'}` }
}

export type TokenRef = { readonly code: string; readonly id: string; readonly decimals: number }

/** A token named by code ("usdc", "XLM") or by one of the registry's contract ids; undefined otherwise. */
export function tokenOf(registry: DefiRegistry, ref: string): TokenRef | undefined {
  const want = ref.trim()
  for (const [code, t] of Object.entries(registry.tokens)) {
    if (code.toUpperCase() === want.toUpperCase() || t.id === want) return { code, ...t }
  }
  return undefined
}

/** The token a contract id is, for labels; undefined for one the registry does not know. */
export const tokenById = (registry: DefiRegistry, id: string): TokenRef | undefined =>
  Object.entries(registry.tokens)
    .map(([code, t]) => ({ code, ...t }))
    .find((t) => t.id === id)

/** A pool or vault named by its registry name (case-insensitive) or its contract id. */
export function namedContract(
  table: Readonly<Record<string, string>>,
  ref: string,
): { readonly name: string; readonly id: string } | undefined {
  const want = ref.trim()
  for (const [name, id] of Object.entries(table)) {
    if (name.toLowerCase() === want.toLowerCase() || id === want) return { name, id }
  }
  return undefined
}
