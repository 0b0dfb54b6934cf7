/**
 * PROTOCOL_CONTRACTS (shared/network.ts): a custom network's DeFi contracts, one value read by the edge and
 * the signer. Fail closed: malformed or out-of-place values stop the start; nothing is inferred.
 */
import { Asset } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { defiDeployments } from '../../edge/defi/deployments.ts'
import { parseNetwork, protocolContractsOf } from '../../shared/network.ts'
import { builtinDefaults, compilePolicy } from '../../signer/policy/config.ts'
import {
  STAND_IN_CONTRACTS as C,
  STAND_IN_USDC_ISSUER,
  standInIds,
  standInProtocolContracts,
} from '../support/soroban-rpc/defi/ids.ts'

const PASS = 'Tuxedo Custom Protocols ; 2026'
const base = {
  STELLAR_NETWORK: 'custom',
  NETWORK_PASSPHRASE: PASS,
  HORIZON_URL: 'http://127.0.0.1:1',
  SOROBAN_RPC_URL: 'http://127.0.0.1:2',
}
const good = JSON.stringify(standInProtocolContracts())

describe('PROTOCOL_CONTRACTS', () => {
  const bad: [string, Record<string, string>, RegExp][] = [
    ['not JSON', { ...base, PROTOCOL_CONTRACTS: '{' }, /not JSON/],
    ['an unknown field', { ...base, PROTOCOL_CONTRACTS: '{"aave":{}}' }, /PROTOCOL_CONTRACTS/],
    [
      'a pool id that is not a contract',
      {
        ...base,
        PROTOCOL_CONTRACTS: JSON.stringify({
          blend: { backstop: C.backstop, blnd: C.blnd, pools: { x: STAND_IN_USDC_ISSUER } },
        }),
      },
      /blend\.pools\.x/,
    ],
    [
      'a USDC issuer that is a contract',
      { ...base, PROTOCOL_CONTRACTS: JSON.stringify({ usdcIssuer: C.pool }) },
      /usdcIssuer/,
    ],
    [
      'a router without its factory',
      { ...base, PROTOCOL_CONTRACTS: JSON.stringify({ soroswap: { router: C.soroswapRouter } }) },
      /soroswap\.factory/,
    ],
    ['on testnet', { STELLAR_NETWORK: 'testnet', PROTOCOL_CONTRACTS: good }, /for custom networks/],
    ['on mainnet', { STELLAR_NETWORK: 'mainnet', PROTOCOL_CONTRACTS: good }, /for custom networks/],
  ]
  it.each(bad)('refuses %s', (_, env, why) => {
    const r = parseNetwork(env)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems.join('\n')).toMatch(why)
  })

  it('gives the edge and the signer the same contracts, token ids derived from the passphrase', () => {
    const r = parseNetwork({ ...base, PROTOCOL_CONTRACTS: good })
    if (!r.ok) throw new Error(r.problems.join())
    const ids = standInIds(PASS)
    // Known answer: the SAC ids a real network with this passphrase would have.
    expect(ids.xlm).toBe(Asset.native().contractId(PASS))
    expect(ids.usdc).toBe(new Asset('USDC', STAND_IN_USDC_ISSUER).contractId(PASS))
    const edge = defiDeployments(r.network)
    expect(edge.tokens.XLM?.id).toBe(ids.xlm)
    expect(edge.tokens.USDC?.id).toBe(ids.usdc)
    expect(edge.blend?.pools).toEqual([{ id: C.pool, name: 'Fixed XLM-USDC' }])
    expect(edge.soroswap?.router).toBe(C.soroswapRouter)
    expect(edge.defindex?.factory).toBe(C.defindexFactory)

    const policy = compilePolicy(
      builtinDefaults('custom', r.network.customProtocols?.usdcIssuer),
      PASS,
      protocolContractsOf(r.network),
    )
    expect([...policy.soroban.registry].map(([id, k]) => [id, k.kind]).sort()).toEqual(
      [
        [C.pool, 'blend-pool'],
        [C.defindexVault, 'defindex-vault'],
        [C.soroswapRouter, 'soroswap-router'],
      ].sort(),
    )
    // USDC of the configured issuer has the default caps, and its token contract counts against them.
    const usdcKey = `USDC:${STAND_IN_USDC_ISSUER}`
    expect(policy.tokenContracts.get(ids.usdc)).toBe(usdcKey)
    expect(policy.tokenContracts.get(ids.xlm)).toBe('native')
    expect(policy.assets.get(usdcKey)).toEqual({
      approvalAbove: 100_0000000n,
      perTx: 500_0000000n,
      daily: 5000_0000000n,
    })
  })

  it('without it a custom network knows no protocol contract and no USDC (deny by default)', () => {
    const r = parseNetwork(base)
    if (!r.ok) throw new Error(r.problems.join())
    expect(r.network.customProtocols).toBeUndefined()
    const policy = compilePolicy(builtinDefaults('custom'), PASS, protocolContractsOf(r.network))
    expect(policy.soroban.registry.size).toBe(0)
    expect([...policy.assets.keys()]).toEqual(['native'])
    expect(defiDeployments(r.network).blend).toBeUndefined()
  })

  it('testnet and mainnet keep the protocols’ own ids whatever the config says', () => {
    const r = parseNetwork({ STELLAR_NETWORK: 'testnet' })
    if (!r.ok) throw new Error(r.problems.join())
    expect(
      protocolContractsOf({ ...r.network, customProtocols: standInProtocolContracts() }).blendPools,
    ).toEqual({
      TestnetV2: 'CCEBVDYM32YNYCVNRXQKDFFPISJJCV557CDZEIRBEE4NCV4KHPQ44HGF',
    })
  })
})
