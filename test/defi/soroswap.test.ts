/**
 * Soroswap quote and swap encodings. Quote vectors: soroswap/core b7e7cc9
 * `contracts/library/src/test/get.rs` (`get_amount_out`, `get_amount_out_insufficient_*`). Aggregator args:
 * the recorded mainnet transaction in ../shared/fixtures/defi/soroswap-aggregator-mainnet-tx.json, rebuilt
 * from its parts and compared byte for byte.
 */
import { readFileSync } from 'node:fs'
import { Keypair } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { getAmountOut, getAmountsOut, minimumOut } from '../../edge/defi/soroswap/quote.ts'
import { aggregatorSwapArgs, routerSwapOperation } from '../../edge/defi/soroswap/swap.ts'
import { type Json, scValFromJson } from '../support/soroban-rpc/xdr-json.ts'

const XLM = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA'
const USDC = 'CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75'
const ROUTER = 'CAG5LRYQ5JVEUI5TEID72EYOVX44TTUJT5BQR2J6J77FH65PCCFAJDDH'
const USER = Keypair.fromRawEd25519Seed(new Uint8Array(32).fill(2)).publicKey()

describe('get_amount_out (library/src/test/get.rs)', () => {
  it.each([
    [2n, 100n, 100n, 0n],
    [3n, 100n, 100n, 1n],
    [4n, 100n, 100n, 2n],
    [2n, 1001n, 1001n, 0n],
    [3n, 1001n, 1001n, 1n],
  ])('get_amount_out(%s, %s, %s) = %s', (a, ri, ro, want) => {
    const r = getAmountOut(a, ri, ro)
    expect(r.ok && r.value).toBe(want)
  })
  it.each([
    ['insufficient input amount', 0n, 100n, 100n, 'ERR_VALIDATION'],
    ['negative input', -5n, 100n, 100n, 'ERR_VALIDATION'],
    ['insufficient liquidity 0', 2n, 0n, 100n, 'ERR_DEFI_NO_ROUTE'],
    ['insufficient liquidity 1', 2n, 100n, 0n, 'ERR_DEFI_NO_ROUTE'],
    ['negative reserve', 2n, -1n, 100n, 'ERR_DEFI_NO_ROUTE'],
    ['empty path', 2n, 100n, 100n, 'ERR_DEFI_NO_ROUTE'],
  ] as const)('%s', (name, a, ri, ro, code) => {
    const r = name === 'empty path' ? getAmountsOut(a, []) : getAmountOut(a, ri, ro)
    expect(r.ok ? 'ok' : r.error.code).toBe(code)
  })
  // 1000 → fee ceil(3) → 997·10000/10997 = 906; 906 → fee 3 → 903·20000/5903 = 3059
  it('a two-hop path chains the hops', () => {
    const r = getAmountsOut(1000n, [
      { reserveIn: 10_000n, reserveOut: 10_000n },
      { reserveIn: 5_000n, reserveOut: 20_000n },
    ])
    expect(r.ok && r.value).toEqual([1000n, 906n, 3059n])
  })
})

describe('slippage bound', () => {
  it.each([
    [1_000_000n, 50, 995_000n],
    [1_000_000n, 0, 1_000_000n],
    [999n, 100, 989n],
  ])('minimumOut(%s, %i bps) = %s', (q, bps, want) => {
    const r = minimumOut(q, bps)
    expect(r.ok && r.value).toBe(want)
  })
  it.each([
    ['negative bps', 1000n, -1],
    ['fractional bps', 1000n, 0.5],
    ['over 50%', 1000n, 5001],
    ['NaN', 1000n, Number.NaN],
    ['a zero quote', 0n, 50],
  ])('refuses %s', (_n, q, bps) => expect(minimumOut(q, bps).ok).toBe(false))
})

describe('router swap_exact_tokens_for_tokens', () => {
  const good = { amountIn: 100_000_000n, amountOutMin: 1n, path: [XLM, USDC], to: USER, deadline: 1300n }
  it('encodes amount_in, amount_out_min, path, to, deadline', () => {
    const op = routerSwapOperation(ROUTER, good, 1000n)
    if (!op.ok) throw new Error(op.error.message)
    const body = op.value.body
    if (body.type !== 'invokeHostFunction') throw new Error('not a call')
    const f = body.invokeHostFunctionOp.hostFunction
    if (f.type !== 'hostFunctionTypeInvokeContract') throw new Error('not invokeContract')
    expect(f.invokeContract.functionName.toString()).toBe('swap_exact_tokens_for_tokens')
    expect(f.invokeContract.args.map((a) => a.type)).toEqual([
      'scvI128',
      'scvI128',
      'scvVec',
      'scvAddress',
      'scvU64',
    ])
  })
  it.each([
    ['no slippage bound', { ...good, amountOutMin: 0n }],
    ['a zero amount', { ...good, amountIn: 0n }],
    ['a one-token path', { ...good, path: [XLM] }],
    ['a repeated token', { ...good, path: [XLM, XLM] }],
    ['a recipient that is a contract', { ...good, to: USDC }],
    ['a deadline in the past', { ...good, deadline: 999n }],
    ['a deadline now', { ...good, deadline: 1000n }],
    ['a deadline days away', { ...good, deadline: 1000n + 86_400n * 3n }],
  ])('refuses %s', (_n, s) => expect(routerSwapOperation(ROUTER, s, 1000n).ok).toBe(false))
})

describe('aggregator swap args (recorded mainnet transaction)', () => {
  const fixture = JSON.parse(
    readFileSync('../shared/fixtures/defi/soroswap-aggregator-mainnet-tx.json', 'utf8'),
  ) as {
    tx: {
      tx: {
        operations: {
          body: { invoke_host_function: { host_function: { invoke_contract: { args: Json[] } } } }
        }[]
      }
    }
  }
  const recorded =
    fixture.tx.tx.operations[0]?.body.invoke_host_function.host_function.invoke_contract.args ?? []
  const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16))
  const to = 'GACKMEZIHGXX6FKCPUXY7ZMKBSRZLWFCYN3CKEMGS5P3WUG7YZRYI3WW'
  const swap = {
    amountIn: 43_889_534_511n,
    amountOutMin: 137_679_568_804n,
    path: [USDC, XLM],
    to,
    deadline: 1_747_087_123_987n,
    distribution: [
      {
        protocolId: 'soroswap',
        parts: 1,
        path: [USDC, 'CDTKPWPLOURQA2SGTKTUQOWRCBZEORB4BWBOMJ3D3ZTQQSGE5F6JBQLV', XLM],
      },
      { protocolId: 'phoenix', parts: 2, path: [USDC, XLM] },
      {
        protocolId: 'aqua',
        parts: 7,
        path: [USDC, XLM],
        bytes: [hex('b2e02fcfca6c96f8ad5cbd84e7784a777b36d9c96a2459402c4f458462aab7f0')],
      },
    ],
  }
  it('rebuilds the recorded args byte for byte', () => {
    const args = aggregatorSwapArgs(swap)
    if (!args.ok) throw new Error(args.error.message)
    expect(args.value.map((a) => a.toXDR('base64'))).toEqual(
      recorded.map((j) => scValFromJson(j).toXDR('base64')),
    )
  })
  it.each([
    ['no distribution', { ...swap, distribution: [] }],
    ['no minimum out', { ...swap, amountOutMin: 0n }],
    [
      'a leg to another token',
      { ...swap, distribution: [{ protocolId: 'soroswap', parts: 1, path: [USDC, ROUTER] }] },
    ],
    ['a three-token path', { ...swap, path: [USDC, ROUTER, XLM] }],
    [
      'a leg with zero parts',
      { ...swap, distribution: [{ protocolId: 'phoenix', parts: 0, path: [USDC, XLM] }] },
    ],
  ])('refuses %s', (_n, s) => expect(aggregatorSwapArgs(s).ok).toBe(false))
})
