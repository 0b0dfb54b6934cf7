/**
 * The one place that knows Stellar networks. Nothing else in the code base names a Horizon URL,
 * a passphrase or a friendbot: they come from here, or from config for the `custom` network.
 */
import { z } from 'zod'
import { ContractIdSchema, StellarAccountIdSchema } from './schemas/stellar.ts'

export const NETWORK_NAMES = ['testnet', 'mainnet', 'custom'] as const
export const NetworkNameSchema = z.enum(NETWORK_NAMES)
export type NetworkName = z.infer<typeof NetworkNameSchema>

export const PASSPHRASES = {
  testnet: 'Test SDF Network ; September 2015',
  mainnet: 'Public Global Stellar Network ; September 2015',
} as const

export type KnownContracts = Readonly<Record<string, string>>

export type NetworkConfig = {
  readonly name: NetworkName
  readonly passphrase: string
  readonly horizonUrl: string
  readonly sorobanRpcUrl: string
  /** Absent on mainnet: there is no free money there. */
  readonly friendbotUrl: string | undefined
  readonly contracts: KnownContracts
  /** A `custom` network's DeFi deployments (PROTOCOL_CONTRACTS); undefined on testnet/mainnet and by default. */
  readonly customProtocols: CustomProtocols | undefined
}

const TESTNET: NetworkConfig = Object.freeze({
  name: 'testnet',
  passphrase: PASSPHRASES.testnet,
  horizonUrl: 'https://horizon-testnet.stellar.org',
  sorobanRpcUrl: 'https://soroban-testnet.stellar.org',
  friendbotUrl: 'https://friendbot.stellar.org',
  customProtocols: undefined,
  contracts: Object.freeze({
    // Stellar Asset Contract of native XLM on testnet.
    nativeSac: 'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC',
  }),
})

const MAINNET: NetworkConfig = Object.freeze({
  name: 'mainnet',
  passphrase: PASSPHRASES.mainnet,
  horizonUrl: 'https://horizon.stellar.org',
  sorobanRpcUrl: 'https://mainnet.sorobanrpc.com',
  friendbotUrl: undefined,
  customProtocols: undefined,
  contracts: Object.freeze({
    nativeSac: 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA',
  }),
})

const named = z.record(z.string().regex(/^[A-Za-z0-9 _-]{1,40}$/), ContractIdSchema)

/**
 * A `custom` network's DeFi deployments, given once (`PROTOCOL_CONTRACTS`, JSON) and read by both the edge
 * (which contracts its tools call) and the signer (which contracts its decoders read). Threat: a custom
 * network's ids cannot be known in advance, so they are measured configuration, never inferred from what
 * the model or a transaction names; testnet and mainnet refuse the variable (their ids are the protocols'
 * own, above), and a malformed value stops the start (fail closed).
 * `usdcIssuer` is the issuer of the network's USDC: its Stellar Asset Contract id is derived from the
 * passphrase, exactly as on a real network, and the signer's built-in caps cover it.
 */
export const CustomProtocolsSchema = z
  .object({
    usdcIssuer: StellarAccountIdSchema.optional(),
    blend: z
      .object({
        backstop: ContractIdSchema,
        blnd: ContractIdSchema,
        pools: named,
      })
      .strict()
      .optional(),
    defindex: z.object({ factory: ContractIdSchema, vaults: named }).strict().optional(),
    soroswap: z
      .object({
        router: ContractIdSchema,
        factory: ContractIdSchema,
        aggregator: ContractIdSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
export type CustomProtocols = z.infer<typeof CustomProtocolsSchema>

const customProtocolsJson = z.string().transform((raw, ctx) => {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'PROTOCOL_CONTRACTS is not JSON' })
    return z.NEVER
  }
  const parsed = CustomProtocolsSchema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    ctx.addIssue({
      code: 'custom',
      message: `PROTOCOL_CONTRACTS.${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`,
    })
    return z.NEVER
  }
  return parsed.data
})

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })

/** What a `custom` network must be given; also lets testnet/mainnet override URLs (never the passphrase). */
export const NetworkInputSchema = z
  .object({
    STELLAR_NETWORK: NetworkNameSchema.default('testnet'),
    NETWORK_PASSPHRASE: z.string().min(1).optional(),
    HORIZON_URL: httpUrl.optional(),
    SOROBAN_RPC_URL: httpUrl.optional(),
    FRIENDBOT_URL: httpUrl.optional(),
    NATIVE_SAC_CONTRACT: z.string().optional(),
    PROTOCOL_CONTRACTS: customProtocolsJson.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.STELLAR_NETWORK === 'custom') {
      for (const key of ['NETWORK_PASSPHRASE', 'HORIZON_URL', 'SOROBAN_RPC_URL'] as const) {
        if (!v[key])
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} is required when STELLAR_NETWORK=custom`,
          })
      }
    } else if (
      v.NETWORK_PASSPHRASE !== undefined &&
      v.NETWORK_PASSPHRASE !== PASSPHRASES[v.STELLAR_NETWORK]
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['NETWORK_PASSPHRASE'],
        message: `NETWORK_PASSPHRASE does not match the ${v.STELLAR_NETWORK} passphrase`,
      })
    }
    if (v.STELLAR_NETWORK !== 'custom' && v.PROTOCOL_CONTRACTS !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['PROTOCOL_CONTRACTS'],
        message: `PROTOCOL_CONTRACTS is for custom networks; ${v.STELLAR_NETWORK} uses the protocols' own ids`,
      })
    }
    if (v.STELLAR_NETWORK === 'mainnet' && v.FRIENDBOT_URL) {
      ctx.addIssue({ code: 'custom', path: ['FRIENDBOT_URL'], message: 'mainnet has no friendbot' })
    }
  })
export type NetworkInput = z.input<typeof NetworkInputSchema>

const trimSlash = (u: string) => u.replace(/\/+$/, '')

/** Resolves a parsed network input into the frozen network config. */
export function resolveNetwork(input: z.output<typeof NetworkInputSchema>): NetworkConfig {
  const base =
    input.STELLAR_NETWORK === 'mainnet' ? MAINNET : input.STELLAR_NETWORK === 'testnet' ? TESTNET : undefined
  const contracts = { ...(base?.contracts ?? {}) }
  if (input.NATIVE_SAC_CONTRACT) contracts.nativeSac = input.NATIVE_SAC_CONTRACT
  const friendbot = input.FRIENDBOT_URL ?? base?.friendbotUrl
  return Object.freeze({
    name: input.STELLAR_NETWORK,
    // For custom, superRefine guarantees these are present.
    passphrase: base?.passphrase ?? input.NETWORK_PASSPHRASE ?? '',
    horizonUrl: trimSlash(input.HORIZON_URL ?? base?.horizonUrl ?? ''),
    sorobanRpcUrl: trimSlash(input.SOROBAN_RPC_URL ?? base?.sorobanRpcUrl ?? ''),
    friendbotUrl: input.STELLAR_NETWORK === 'mainnet' || !friendbot ? undefined : trimSlash(friendbot),
    contracts: Object.freeze(contracts),
    customProtocols:
      input.STELLAR_NETWORK === 'custom' && input.PROTOCOL_CONTRACTS
        ? deepFreeze(input.PROTOCOL_CONTRACTS)
        : undefined,
  })
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') for (const x of Object.values(v)) deepFreeze(x)
  return Object.freeze(v)
}

/** Parses raw env-like input; returns the issues as "NAME: message" lines instead of throwing. */
export function parseNetwork(
  env: Record<string, unknown>,
): { ok: true; network: NetworkConfig } | { ok: false; problems: string[] } {
  const parsed = NetworkInputSchema.safeParse(env)
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${String(i.path[0] ?? 'network')}: ${i.message}`),
    }
  }
  return { ok: true, network: resolveNetwork(parsed.data) }
}

/**
 * DeFi protocol contracts the signer can read, per network (mainnet ids are stable; testnet ids change when
 * the testnet is reset). Sources, copied from the protocols' own deployment files (kept in
 * ../shared/fixtures/defi/):
 * - Blend v2 pools: blend-capital/blend-utils b05242d, mainnet.contracts.json / testnet.contracts.json
 *   (`FixedV2`, `YieldBloxV2`, `TestnetV2`). v1 pools are not listed: their submit is another contract.
 * - Soroswap router: soroswap/core b7e7cc9, public/{mainnet,testnet}.contracts.json (`router`).
 * - Soroswap aggregator: soroswap/aggregator 7de298d, public/{mainnet,testnet}.contracts.json (`aggregator`).
 * - DeFindex vaults: paltalabs/defindex 32c8169 lists none on mainnet (its contracts files name the factory and
 *   strategies only); the testnet vaults come from that commit's public/testnet.contracts.json. A deployment
 *   adds its vaults in the signer's policy defaults (`soroban.defindexVaults`).
 */
export type ProtocolContracts = {
  /** Pool name → contract id. */
  readonly blendPools: Readonly<Record<string, string>>
  readonly soroswapRouter: string | undefined
  readonly soroswapAggregator: string | undefined
  /** Vault name → contract id. */
  readonly defindexVaults: Readonly<Record<string, string>>
}

export const PROTOCOL_CONTRACTS: Readonly<Record<'testnet' | 'mainnet', ProtocolContracts>> = Object.freeze({
  mainnet: Object.freeze({
    blendPools: Object.freeze({
      Fixed: 'CAJJZSGMMM3PD7N33TAPHGBUGTB43OC73HVIK2L2G6BNGGGYOSSYBXBD',
      YieldBlox: 'CCCCIQSDILITHMM7PBSLVDT5MISSY7R26MNZXCX4H7J5JQ5FPIYOGYFS',
    }),
    soroswapRouter: 'CAG5LRYQ5JVEUI5TEID72EYOVX44TTUJT5BQR2J6J77FH65PCCFAJDDH',
    soroswapAggregator: 'CAYP3UWLJM7ZPTUKL6R6BFGTRWLZ46LRKOXTERI2K6BIJAWGYY62TXTO',
    defindexVaults: Object.freeze({}),
  }),
  testnet: Object.freeze({
    blendPools: Object.freeze({ TestnetV2: 'CCEBVDYM32YNYCVNRXQKDFFPISJJCV557CDZEIRBEE4NCV4KHPQ44HGF' }),
    soroswapRouter: 'CCMAPXWVZD4USEKDWRYS7DA4Y3D7E2SDMGBFJUCEXTC7VN6CUBGWPFUS',
    soroswapAggregator: 'CCPZ66ZJILSB3E27OUV6ZVL7GM7VEWBU32MAZLVBK5EV36GOBH53OO5E',
    defindexVaults: Object.freeze({
      usdc_paltalabs_vault: 'CBMVK2JK6NTOT2O4HNQAIQFJY232BHKGLIMXDVQVHIIZKDACXDFZDWHN',
      xlm_paltalabs_vault: 'CCLV4H7WTLJQ7ATLHBBQV2WW3OINF3FOY5XZ7VPHZO7NH3D2ZS4GFSF6',
      cetes_paltalabs_vault: 'CBIS5TEMTNNOTBE3WXPQUAGUEDYZZVIWAKTXEQCOUJ34OJJ3FJ5NLF2P',
    }),
  }),
})

const NO_PROTOCOLS: ProtocolContracts = Object.freeze({
  blendPools: Object.freeze({}),
  soroswapRouter: undefined,
  soroswapAggregator: undefined,
  defindexVaults: Object.freeze({}),
})

/** The protocol contracts of this network: the protocols' own ids, or a custom network's configured ones. */
export function protocolContractsOf(network: Pick<NetworkConfig, 'passphrase' | 'customProtocols'>) {
  const custom = network.customProtocols
  if (network.passphrase === PASSPHRASES.mainnet || network.passphrase === PASSPHRASES.testnet || !custom)
    return protocolContractsFor(network.passphrase)
  return Object.freeze({
    blendPools: Object.freeze({ ...(custom.blend?.pools ?? {}) }),
    soroswapRouter: custom.soroswap?.router,
    soroswapAggregator: custom.soroswap?.aggregator,
    defindexVaults: Object.freeze({ ...(custom.defindex?.vaults ?? {}) }),
  }) satisfies ProtocolContracts
}

/** The protocol contracts of the network with this passphrase; none for a custom network. */
export function protocolContractsFor(passphrase: string): ProtocolContracts {
  if (passphrase === PASSPHRASES.mainnet) return PROTOCOL_CONTRACTS.mainnet
  if (passphrase === PASSPHRASES.testnet) return PROTOCOL_CONTRACTS.testnet
  return NO_PROTOCOLS
}
