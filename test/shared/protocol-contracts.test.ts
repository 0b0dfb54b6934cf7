/** shared/network.ts protocol ids are exactly those of the protocols' own deployment files (fixtures/defi). */
import { readFileSync } from 'node:fs'
import { StrKey } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { PASSPHRASES, PROTOCOL_CONTRACTS, protocolContractsFor } from '../../shared/network.ts'

const ids = (file: string): Record<string, string> =>
  JSON.parse(readFileSync(`../shared/fixtures/defi/${file}`, 'utf8')).ids

describe('protocol contract ids', () => {
  it.each(['mainnet', 'testnet'] as const)('%s matches blend-utils, soroswap core and aggregator', (net) => {
    const c = PROTOCOL_CONTRACTS[net]
    const blend = ids(`blend-utils-${net}.contracts.json`)
    expect(c.blendPools).toEqual(
      net === 'mainnet'
        ? { Fixed: blend.FixedV2, YieldBlox: blend.YieldBloxV2 }
        : { TestnetV2: blend.TestnetV2 },
    )
    expect(c.soroswapRouter).toBe(ids(`soroswap-core-${net}.contracts.json`).router)
    expect(c.soroswapAggregator).toBe(ids(`soroswap-aggregator-${net}.contracts.json`).aggregator)
  })

  it('lists no strategy or factory as a vault', () => {
    const known = new Set([
      ...Object.values(ids('defindex-mainnet.contracts.json')),
      ...Object.values(ids('defindex-testnet.contracts.json')),
    ])
    for (const net of ['mainnet', 'testnet'] as const) {
      for (const v of Object.values(PROTOCOL_CONTRACTS[net].defindexVaults)) expect(known.has(v)).toBe(false)
    }
  })

  it('holds only valid contract ids, and none for a custom network', () => {
    for (const net of ['mainnet', 'testnet'] as const) {
      const c = PROTOCOL_CONTRACTS[net]
      const all = [
        ...Object.values(c.blendPools),
        ...Object.values(c.defindexVaults),
        c.soroswapRouter,
        c.soroswapAggregator,
      ]
      for (const id of all) expect(StrKey.isValidContract(id ?? '')).toBe(true)
    }
    expect(protocolContractsFor(PASSPHRASES.mainnet)).toBe(PROTOCOL_CONTRACTS.mainnet)
    expect(protocolContractsFor('Local ; 1')).toEqual({
      blendPools: {},
      soroswapRouter: undefined,
      soroswapAggregator: undefined,
      defindexVaults: {},
    })
  })
})
