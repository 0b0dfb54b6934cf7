/**
 * The Blend stand-in driven by the edge's own protocol client over the real `SorobanRpc` client: the pool
 * read from the mainnet snapshot; supply, withdraw and borrow simulated (returning the authorisation tree the
 * real pool asks for: `submit` at the root, the user's `transfer` beneath it), assembled, signed, sent and
 * applied. A transaction without that authorisation fails on send; status gates and the health factor refuse
 * in our client and in the emulated contract alike.
 */
import { type Keypair, Operation, type xdr } from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blendPools, prepareBlendSubmit } from '../../edge/defi/blend/client.ts'
import { loadPositions } from '../../edge/defi/blend/read.ts'
import { reserveViews } from '../../edge/defi/blend/views.ts'
import { accountPositions } from '../../edge/defi/positions.ts'
import { tokenBalance } from '../../edge/defi/token.ts'
import { setPoolStatus } from '../support/soroban-rpc/defi/blend-snapshot.ts'
import { authTree, type Kit, PASSPHRASE, STAND_IN, sc, startKit } from './defi-kit.ts'

let k: Kit
let h: Kit['h']
let s: Kit['s']
let rpc: Kit['rpc']
let deps: Kit['deps']
const user = (usdc?: bigint) => k.user(usdc)
const build = (kp: Keypair, op: xdr.Operation) => k.build(kp, op)

beforeAll(async () => {
  k = await startKit()
  ;({ h, s, rpc, deps } = k)
})
afterAll(() => k.close())

describe('Blend pool from the mainnet snapshot', () => {
  it('serves the Fixed XLM-USDC pool with its two reserves and model rates', async () => {
    const [pool] = await blendPools(deps)
    expect(pool?.name).toBe('Fixed XLM-USDC')
    expect(pool?.config.bstop_rate).toBe(2_000_000n)
    const views = pool ? reserveViews(pool) : []
    expect(views.map((v) => v.asset)).toEqual([STAND_IN.xlm, STAND_IN.usdc])
    const usdc = views[1]
    // From the snapshot's USDC reserve (util ≈ 65.8% under an 80% target, ir_mod 1.4334708): supply APR =
    // cur_ir × util × (1 − 0.2); the rate model itself is KAT-tested in test/defi/blend-rates.test.ts.
    // Hand-checked from the snapshot: USDC util 0.6540727 under its 0.8 target → (0.8175909·0.06 + 0.03) ×
    // ir_mod 1.4334708 = 0.1133238 borrow; × util × 0.8 = 0.0592975 supply. XLM: 0.0109311 × 0.1 → 0.0010932.
    expect(views.map((v) => [v.utilization, v.supplyApr, v.borrowApr])).toEqual([
      ['0.0093109', '0.0000081', '0.0010932'],
      ['0.6540727', '0.0592975', '0.1133238'],
    ])
    expect(usdc?.utilization).toMatch(/^0\.65/)
    expect(Number(usdc?.supplyApr)).toBeGreaterThan(0.03)
    expect(Number(usdc?.supplyApr)).toBeLessThan(Number(usdc?.borrowApr))
  })

  it('supply 100 USDC: simulation returns submit → USDC.transfer(user → pool, 1000000000); sending applies it', async () => {
    const kp = user(500_0000000n)
    const prepared = await prepareBlendSubmit(deps, {
      poolId: STAND_IN.pool,
      user: kp.publicKey(),
      requests: [{ kind: 'supply', asset: STAND_IN.usdc, amount: 1_000_000_000n }],
    })
    if (!prepared.ok) throw new Error(prepared.error.message)
    const tx = await rpc.prepare(await build(kp, prepared.value.operation))
    const [entry, ...rest] = authTree(tx)
    expect(rest).toHaveLength(0)
    expect(entry?.credentials).toBe('sorobanCredentialsSourceAccount')
    const root = entry?.root as { contract: string; fn: string; subs: unknown[] }
    expect([root.contract, root.fn]).toEqual([STAND_IN.pool, 'submit'])
    expect(root.subs).toEqual([
      {
        contract: STAND_IN.usdc,
        fn: 'transfer',
        args: [sc.addr(kp.publicKey()), sc.addr(STAND_IN.pool), sc.i128(1_000_000_000n)],
        subs: [],
      },
    ])
    tx.sign(kp)
    await rpc.sendAndWait(tx.toXDR(), new AbortController().signal)
    expect(await tokenBalance(rpc, PASSPHRASE, STAND_IN.usdc, kp.publicKey())).toBe(400_0000000n)
    const positions = await loadPositions(rpc, STAND_IN.pool, kp.publicKey())
    expect([...positions.supply.keys()]).toEqual([1])
    expect(positions.collateral.size + positions.liabilities.size).toBe(0)
    // The positions view accrues the reserve to now: 100 USDC (less a stroop of rounding) plus the interest
    // of the seconds since.
    const view = await accountPositions(deps, { accountId: 'acc_x', publicKey: kp.publicKey() })
    expect(view.blend).toEqual([
      expect.objectContaining({
        poolName: 'Fixed XLM-USDC',
        symbol: 'USDC',
        kind: 'supply',
        reserveIndex: 1,
      }),
    ])
    const shown = Number(view.blend[0]?.amount)
    expect(shown).toBeGreaterThanOrEqual(99.9999999)
    expect(shown).toBeLessThan(100.001)
    expect(view.blend[0]?.apy).toMatch(/^0\.06/)

    // Withdraw more than is there: the contract pays out the whole position, with the pool's own transfer,
    // so the user authorises only `submit`.
    const w = await prepareBlendSubmit(deps, {
      poolId: STAND_IN.pool,
      user: kp.publicKey(),
      requests: [{ kind: 'withdraw', asset: STAND_IN.usdc, amount: 2_000_000_000n }],
    })
    if (!w.ok) throw new Error(w.error.message)
    const paid = w.value.outcome.poolTransfers.get(STAND_IN.usdc) ?? 0n
    expect(paid).toBeGreaterThanOrEqual(999_999_999n)
    expect(paid).toBeLessThan(1_000_010_000n)
    const wtx = await rpc.prepare(await build(kp, w.value.operation))
    const [wentry] = authTree(wtx)
    expect((wentry?.root as { fn: string; subs: unknown[] } | undefined)?.subs).toEqual([])
    wtx.sign(kp)
    await rpc.sendAndWait(wtx.toXDR(), new AbortController().signal)
    const after = await tokenBalance(rpc, PASSPHRASE, STAND_IN.usdc, kp.publicKey())
    expect(after - 400_0000000n).toBeGreaterThanOrEqual(paid)
    expect((await loadPositions(rpc, STAND_IN.pool, kp.publicKey())).supply.size).toBe(0)
  })

  it('a transaction that drops the authorisation fails on send', async () => {
    const kp = user(500_0000000n)
    const prepared = await prepareBlendSubmit(deps, {
      poolId: STAND_IN.pool,
      user: kp.publicKey(),
      requests: [{ kind: 'supplyCollateral', asset: STAND_IN.usdc, amount: 1_0000000n }],
    })
    if (!prepared.ok) throw new Error(prepared.error.message)
    const assembled = await rpc.prepare(await build(kp, prepared.value.operation))
    const op = assembled.operations[0]
    if (op?.type !== 'invokeHostFunction') throw new Error('not a call')
    const bare = await build(kp, Operation.invokeHostFunction({ func: op.func, auth: [] }))
    bare.sign(kp)
    await expect(rpc.sendAndWait(bare.toXDR(), new AbortController().signal)).rejects.toThrow(/failed/)
    expect(await tokenBalance(rpc, PASSPHRASE, STAND_IN.usdc, kp.publicKey())).toBe(500_0000000n)
  })

  it.each([
    ['more than the balance', 'supply', STAND_IN.usdc, 600_0000000n, 'ERR_DEFI_INSUFFICIENT_BALANCE'],
    [
      'a borrow (no oracle prices: fails closed)',
      'borrow',
      STAND_IN.usdc,
      1_0000000n,
      'ERR_DEFI_HEALTH_FACTOR',
    ],
    ['a token the pool does not list', 'supply', STAND_IN.blnd, 1_0000000n, 'ERR_DEFI_UNKNOWN_TOKEN'],
    [
      'a withdrawal with nothing supplied',
      'withdraw',
      STAND_IN.usdc,
      1_0000000n,
      'ERR_DEFI_INSUFFICIENT_BALANCE',
    ],
  ] as const)('refuses %s before signing', async (_n, kind, asset, amount, code) => {
    const kp = user(500_0000000n)
    const r = await prepareBlendSubmit(deps, {
      poolId: STAND_IN.pool,
      user: kp.publicKey(),
      requests: [{ kind, asset, amount }],
    })
    expect(r.ok ? 'ok' : r.error.code).toBe(code)
  })

  it('refuses a pool that is not known', async () => {
    const kp = user()
    const r = await prepareBlendSubmit(deps, {
      poolId: STAND_IN.defindexVault,
      user: kp.publicKey(),
      requests: [{ kind: 'supply', asset: STAND_IN.usdc, amount: 1n }],
    })
    expect(r.ok ? 'ok' : r.error.code).toBe('ERR_DEFI_UNKNOWN_POOL')
  })
})

describe('Blend status gates in the stand-in', () => {
  it.each([
    ['frozen', 5, 'supply', 'ERR_DEFI_POOL_STATUS'],
    ['admin frozen', 4, 'supplyCollateral', 'ERR_DEFI_POOL_STATUS'],
    ['on ice (supply still open)', 3, 'supply', 'ok'],
  ] as const)(
    'a %s pool: %s → %s; the contract refuses the same in simulation',
    async (_n, status, kind, code) => {
      const kp = user(10_0000000n)
      const request = { kind, asset: STAND_IN.usdc, amount: 1_0000000n }
      // Prepared while the pool is active, then the pool changes under it.
      const early = await prepareBlendSubmit(deps, {
        poolId: STAND_IN.pool,
        user: kp.publicKey(),
        requests: [request],
      })
      if (!early.ok || !s.defi) throw new Error('setup')
      setPoolStatus(s.defi, STAND_IN.pool, status)
      try {
        const r = await prepareBlendSubmit(deps, {
          poolId: STAND_IN.pool,
          user: kp.publicKey(),
          requests: [request],
        })
        expect(r.ok ? 'ok' : r.error.code).toBe(code)
        const sim = rpc.prepare(await build(kp, early.value.operation))
        if (code === 'ok') await expect(sim).resolves.toBeDefined()
        else await expect(sim).rejects.toThrow(/#1206/)
      } finally {
        setPoolStatus(s.defi, STAND_IN.pool, 1)
      }
    },
  )
})

describe('Blend borrowing against collateral (oracle prices set by the test)', () => {
  it('borrows within the health factor; the pool pays and the user authorises only submit', async () => {
    if (!s.defi) throw new Error('no defi host')
    s.defi.oraclePrices.set(STAND_IN.xlm, 1_000_000n) // 0.1 in the oracle's base, 7 decimals
    s.defi.oraclePrices.set(STAND_IN.usdc, 10_000_000n) // 1.0
    try {
      const kp = user(100_0000000n)
      const send = async (op: xdr.Operation) => {
        const tx = await rpc.prepare(await build(kp, op))
        tx.sign(kp)
        await rpc.sendAndWait(tx.toXDR(), new AbortController().signal)
        return tx
      }
      const c = await prepareBlendSubmit(deps, {
        poolId: STAND_IN.pool,
        user: kp.publicKey(),
        requests: [{ kind: 'supplyCollateral', asset: STAND_IN.usdc, amount: 100_0000000n }],
      })
      if (!c.ok) throw new Error(c.error.message)
      await send(c.value.operation)
      // 100 USDC × c_factor 0.95 = 95 of collateral; 800 XLM × 0.1 ÷ l_factor 0.75 = 106.7 of liability.
      const tooMuch = await prepareBlendSubmit(deps, {
        poolId: STAND_IN.pool,
        user: kp.publicKey(),
        requests: [{ kind: 'borrow', asset: STAND_IN.xlm, amount: 800_0000000n }],
      })
      expect(tooMuch.ok ? 'ok' : tooMuch.error.code).toBe('ERR_DEFI_HEALTH_FACTOR')
      const b = await prepareBlendSubmit(deps, {
        poolId: STAND_IN.pool,
        user: kp.publicKey(),
        requests: [{ kind: 'borrow', asset: STAND_IN.xlm, amount: 500_0000000n }],
      })
      if (!b.ok) throw new Error(b.error.message)
      const before = h.ledger.account(kp.publicKey())?.native ?? 0n
      const tx = await send(b.value.operation)
      expect((authTree(tx)[0]?.root as { fn: string; subs: unknown[] } | undefined)?.subs).toEqual([])
      const after = h.ledger.account(kp.publicKey())?.native ?? 0n
      expect(after - before + BigInt(tx.fee)).toBe(500_0000000n)
      const p = await loadPositions(rpc, STAND_IN.pool, kp.publicKey())
      expect([...p.liabilities.keys()]).toEqual([0])
      expect([...p.collateral.keys()]).toEqual([1])
      // Withdrawing the collateral now would break the health factor: refused by us and by the contract.
      const w = await prepareBlendSubmit(deps, {
        poolId: STAND_IN.pool,
        user: kp.publicKey(),
        requests: [{ kind: 'withdrawCollateral', asset: STAND_IN.usdc, amount: 100_0000000n }],
      })
      expect(w.ok ? 'ok' : w.error.code).toBe('ERR_DEFI_HEALTH_FACTOR')
    } finally {
      s.defi.oraclePrices.clear()
    }
  })
})
