/**
 * The DeFindex and Soroswap stand-ins driven by the edge's protocol clients over the real `SorobanRpc`:
 * a vault deposit (`deposit` → the user's `transfer` to the vault) and withdrawal with a bound, the vault's
 * APY from its share-price history, and an exact-in swap (`swap_exact_tokens_for_tokens` → the user's
 * `transfer` to the pair) with a slippage bound, each applied to balances.
 */
import type { Keypair, xdr } from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  defindexVault,
  defindexVaultApy,
  prepareDefindexDeposit,
  prepareDefindexWithdraw,
} from '../../edge/defi/defindex/client.ts'
import { accountPositions } from '../../edge/defi/positions.ts'
import { prepareSoroswapSwap } from '../../edge/defi/soroswap/client.ts'
import { tokenBalance } from '../../edge/defi/token.ts'
import { authTree, type Kit, PASSPHRASE, STAND_IN, sc, startKit } from './defi-kit.ts'

let k: Kit
let h: Kit['h']
let rpc: Kit['rpc']
let deps: Kit['deps']
const user = (usdc?: bigint) => k.user(usdc)
const build = (kp: Keypair, op: xdr.Operation) => k.build(kp, op)

beforeAll(async () => {
  k = await startKit()
  ;({ h, rpc, deps } = k)
})
afterAll(() => k.close())

describe('DeFindex vault', () => {
  it('deposit: vault.deposit → USDC.transfer(user → vault); shares minted', async () => {
    const kp = user(200_0000000n)
    const prepared = await prepareDefindexDeposit(deps, {
      vault: STAND_IN.defindexVault,
      user: kp.publicKey(),
      amount: 100_0000000n,
    })
    if (!prepared.ok) throw new Error(prepared.error.message)
    expect(prepared.value.expected).toEqual([95_0000000n])
    const tx = await rpc.prepare(await build(kp, prepared.value.operation))
    const root = authTree(tx)[0]?.root as {
      contract: string
      fn: string
      subs: { contract: string; fn: string; args: string[] }[]
    }
    expect([root.contract, root.fn]).toEqual([STAND_IN.defindexVault, 'deposit'])
    expect(root.subs.map((x) => [x.contract, x.fn, x.args])).toEqual([
      [
        STAND_IN.usdc,
        'transfer',
        [sc.addr(kp.publicKey()), sc.addr(STAND_IN.defindexVault), sc.i128(100_0000000n)],
      ],
    ])
    tx.sign(kp)
    await rpc.sendAndWait(tx.toXDR(), new AbortController().signal)
    expect(await tokenBalance(rpc, PASSPHRASE, STAND_IN.defindexVault, kp.publicKey())).toBe(95_0000000n)

    const view = await accountPositions(deps, { accountId: 'acc_x', publicKey: kp.publicKey() })
    expect(view.defindex).toEqual([
      expect.objectContaining({
        vault: STAND_IN.defindexVault,
        shares: '95',
        amounts: [{ asset: STAND_IN.usdc, symbol: 'USDC', amount: '100' }],
      }),
    ])
    expect(Number(view.defindex[0]?.apy)).toBeCloseTo(0.0534, 3)

    // Withdraw the shares with a 0.5% bound: the vault pays from its own balance (no user transfer).
    const w = await prepareDefindexWithdraw(deps, {
      vault: STAND_IN.defindexVault,
      user: kp.publicKey(),
      shares: 95_0000000n,
      slippageBps: 50,
    })
    if (!w.ok) throw new Error(w.error.message)
    expect(w.value.expected).toEqual([100_0000000n])
    expect(w.value.minimums).toEqual([99_5000000n])
    const wtx = await rpc.prepare(await build(kp, w.value.operation))
    wtx.sign(kp)
    await rpc.sendAndWait(wtx.toXDR(), new AbortController().signal)
    expect(await tokenBalance(rpc, PASSPHRASE, STAND_IN.usdc, kp.publicKey())).toBe(200_0000000n)
    const more = await prepareDefindexWithdraw(deps, {
      vault: STAND_IN.defindexVault,
      user: kp.publicKey(),
      shares: 1n,
      slippageBps: 50,
    })
    expect(more.ok ? 'ok' : more.error.code).toBe('ERR_DEFI_INSUFFICIENT_BALANCE')
  })
  it("APY from the share price over the RPC's event history (the seeded deposit 7 days back, and now)", async () => {
    const info = await defindexVault(deps, STAND_IN.defindexVault)
    // Then 999,000 USDC for 950,000 shares, now 1,000,000: +0.1001% a week, compounded over 52 weeks.
    expect(info.sharePrice).toEqual([10_526_315n])
    const r = await defindexVaultApy(deps, info)
    expect(r && Number(r.apy) / 1e7).toBeCloseTo(0.0534, 3)
    // With under a day of history there is no APY at all.
    const since = r?.since ?? 0n
    expect(await defindexVaultApy({ ...deps, now: () => since + 3600n }, info)).toBeUndefined()
  })

  it.each([
    ['an unknown vault', STAND_IN.pool, 1n, 'ERR_DEFI_UNKNOWN_VAULT'],
    ['more than the balance', STAND_IN.defindexVault, 1_000_0000000n, 'ERR_DEFI_INSUFFICIENT_BALANCE'],
    ['zero', STAND_IN.defindexVault, 0n, 'ERR_VALIDATION'],
  ] as const)('refuses %s', async (_n, vault, amount, code) => {
    const kp = user(1_0000000n)
    const r = await prepareDefindexDeposit(deps, { vault, user: kp.publicKey(), amount }).catch(
      (e: { code: string }) => ({ ok: false as const, error: { code: e.code } }),
    )
    expect(r.ok ? 'ok' : r.error.code).toBe(code)
  })
})

describe('Soroswap swap', () => {
  it('swap 10 XLM → USDC with a bound: router → XLM.transfer(user → pair); native balance moves', async () => {
    const kp = user()
    const prepared = await prepareSoroswapSwap(deps, {
      user: kp.publicKey(),
      tokenIn: STAND_IN.xlm,
      tokenOut: STAND_IN.usdc,
      amountIn: 10_0000000n,
      slippageBps: 50,
    })
    if (!prepared.ok) throw new Error(prepared.error.message)
    expect(prepared.value.amountOutMin).toBe((prepared.value.quote * 9950n) / 10_000n)
    const tx = await rpc.prepare(await build(kp, prepared.value.operation))
    const root = authTree(tx)[0]?.root as {
      contract: string
      fn: string
      subs: { contract: string; fn: string; args: string[] }[]
    }
    expect([root.contract, root.fn]).toEqual([STAND_IN.soroswapRouter, 'swap_exact_tokens_for_tokens'])
    expect(root.subs.map((x) => [x.contract, x.fn, x.args])).toEqual([
      [
        STAND_IN.xlm,
        'transfer',
        [sc.addr(kp.publicKey()), sc.addr(STAND_IN.soroswapPair), sc.i128(10_0000000n)],
      ],
    ])
    const before = h.ledger.account(kp.publicKey())?.native ?? 0n
    tx.sign(kp)
    await rpc.sendAndWait(tx.toXDR(), new AbortController().signal)
    const after = h.ledger.account(kp.publicKey())?.native ?? 0n
    expect(before - after - BigInt(tx.fee)).toBe(10_0000000n)
    expect(await tokenBalance(rpc, PASSPHRASE, STAND_IN.usdc, kp.publicKey())).toBe(prepared.value.quote)
  })
  it.each([
    ['a pair that does not exist', STAND_IN.blnd, 50, 10_0000000n, 'ERR_DEFI_NO_ROUTE'],
    ['slippage beyond the bound', STAND_IN.usdc, 9_000, 10_0000000n, 'ERR_VALIDATION'],
    ['more XLM than the account has', STAND_IN.usdc, 50, 100_000_0000000n, 'ERR_DEFI_INSUFFICIENT_BALANCE'],
  ] as const)('refuses %s', async (_n, tokenOut, bps, amountIn, code) => {
    const kp = user()
    const r = await prepareSoroswapSwap(deps, {
      user: kp.publicKey(),
      tokenIn: STAND_IN.xlm,
      tokenOut,
      amountIn,
      slippageBps: bps,
    })
    expect(r.ok ? 'ok' : r.error.code).toBe(code)
  })
})
