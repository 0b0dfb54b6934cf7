/**
 * Which contracts the signer can read on this network, and what it does with the others. Built once from
 * shared/network.ts (the protocols' own deployment ids, or a custom network's PROTOCOL_CONTRACTS) plus the
 * vaults a deployment configures.
 *
 * Deny by default: a contract that is not here is "unknown" — its calls are never signed automatically
 * (`unknownContracts: 'approval'` asks a person, `'deny'` refuses them outright).
 */
import { type ProtocolContracts, protocolContractsFor } from '../../../shared/network.ts'
import { short } from './read.ts'

export type ProtocolKind = 'blend-pool' | 'defindex-vault' | 'soroswap-router' | 'soroswap-aggregator'

export type KnownContract = {
  readonly kind: ProtocolKind
  /** In words, for previews and reasons: "Blend pool Fixed (CAJJ…BXBD)". */
  readonly label: string
}

export type UnknownContractMode = 'approval' | 'deny'

export type SorobanSettings = {
  readonly registry: ReadonlyMap<string, KnownContract>
  readonly unknownContracts: UnknownContractMode
}

export type SorobanSettingsInput = {
  readonly unknownContracts: UnknownContractMode
  /** DeFindex vault contract ids of this deployment, besides the network's published ones. */
  readonly defindexVaults: readonly string[]
}

export function sorobanSettings(
  passphrase: string,
  input: SorobanSettingsInput,
  ids: ProtocolContracts = protocolContractsFor(passphrase),
): SorobanSettings {
  const registry = new Map<string, KnownContract>()
  const put = (id: string, kind: ProtocolKind, name: string) =>
    registry.set(id, { kind, label: `${name} (${short(id)})` })
  for (const [name, id] of Object.entries(ids.blendPools)) put(id, 'blend-pool', `Blend pool ${name}`)
  for (const [name, id] of Object.entries(ids.defindexVaults))
    put(id, 'defindex-vault', `DeFindex vault ${name}`)
  for (const id of input.defindexVaults) {
    if (!registry.has(id)) put(id, 'defindex-vault', 'DeFindex vault')
  }
  if (ids.soroswapRouter) put(ids.soroswapRouter, 'soroswap-router', 'Soroswap router')
  if (ids.soroswapAggregator) put(ids.soroswapAggregator, 'soroswap-aggregator', 'Soroswap aggregator')
  return Object.freeze({ registry, unknownContracts: input.unknownContracts })
}
