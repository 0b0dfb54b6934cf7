/**
 * DeFindex factory and one single-asset USDC vault. The state is the stand-in's own (there is no recorded
 * vault state in the fixtures): the vault starts managing 1,000,000 USDC for 950,000 shares and lists the
 * mainnet `usdc_blend_autocompound_fixed_strategy` as its strategy (../shared/fixtures/defi/defindex-mainnet).
 *
 * Emulated: factory `total_vaults`/`get_vault_by_index`; vault `get_assets`, `fetch_total_managed_funds`,
 * `total_supply`, `balance`, `name`, `get_asset_amounts_per_shares`, `deposit` (single asset, shares
 * `total_supply·amount/total_managed`, `NoOptimalAmounts` #… under the minimum, the user's
 * `transfer(user → vault)` beneath `deposit` in the auth tree) and `withdraw` (`total_managed·shares/supply`,
 * `InsufficientOutputAmount` under the minimum), and the `("DeFindexVault", "deposit")` event with the supply
 * and funds before each deposit (plus one seeded, back-dated deposit event as history). Not emulated: investing into strategies (funds stay idle),
 * fees, rebalancing, multi-asset ratios, the first-deposit MINIMUM_LIQUIDITY lock.
 */
import { Address, nativeToScVal, scValToNative, xdr } from '@stellar/stellar-sdk/base'
import { contractError, done, type Emulated, type Frame, type Host } from './host.ts'
import { transferInvocation } from './token.ts'

export const FIXED_USDC_STRATEGY = 'CDB2WMKQQNVZMEBY7Q7GZ5C7E7IAFSNMZ7GGVD6WKTCEWK7XOIAVZSAP'
const SUPPLY_KEY = (vault: string) => `${vault}/total_supply`

const i128 = (v: bigint) => nativeToScVal(v, { type: 'i128' })
const struct = (fields: Record<string, xdr.ScVal>) =>
  xdr.ScVal.scvMap(
    Object.keys(fields)
      .sort()
      .map((k) => new xdr.ScMapEntry({ key: xdr.ScVal.scvSymbol(k), val: fields[k] as xdr.ScVal })),
  )

export function defindexFactory(vaults: readonly string[]): Emulated {
  return {
    call(_host, _frame, fn, args) {
      if (fn === 'total_vaults') return done(xdr.ScVal.scvU32(vaults.length))
      if (fn === 'get_vault_by_index') {
        const i = Number(scValToNative(args[0] ?? xdr.ScVal.scvVoid()))
        const v = vaults[i]
        return v ? done(new Address(v).toScVal()) : contractError(404)
      }
      return { ok: false, error: `Error(WasmVm, MissingValue): the factory stand-in has no function ${fn}` }
    },
  }
}

const topic = (action: string) => [xdr.ScVal.scvSymbol('DeFindexVault'), xdr.ScVal.scvSymbol(action)]

/** `CurrentAssetInvestmentAllocation` as the vault reports it (idle only: strategies are not emulated). */
const funds = (asset: string, total: bigint) =>
  struct({
    asset: new Address(asset).toScVal(),
    idle_amount: i128(total),
    invested_amount: i128(0n),
    strategy_allocations: xdr.ScVal.scvVec([]),
    total_amount: i128(total),
  })

/**
 * Seeds the vault, and one deposit event from `historyDays` ago at a share price 0.1% lower (stand-in
 * history, so the share-price APY has two observations; there is no recorded vault history to serve).
 */
export function seedVault(host: Host, vault: string, asset: string, now: bigint, historyDays = 7n) {
  host.mint(asset, vault, 1_000_000_0000000n)
  host.balances.set(SUPPLY_KEY(vault), 950_000_0000000n)
  host.events.push({
    contract: vault,
    topic: topic('deposit'),
    value: struct({
      amounts: xdr.ScVal.scvVec([i128(1_0000000n)]),
      depositor: new Address(vault).toScVal(),
      df_tokens_minted: i128(0n),
      total_managed_funds_before: xdr.ScVal.scvVec([funds(asset, 999_000_0000000n)]),
      total_supply_before: i128(950_000_0000000n),
    }),
    at: now - historyDays * 86_400n,
    ledger: 1,
  })
}

export function defindexVault(vault: string, asset: string): Emulated {
  const supply = (h: Host, f: Frame) =>
    f.balances.get(SUPPLY_KEY(vault)) ?? h.balances.get(SUPPLY_KEY(vault)) ?? 0n
  const managed = (h: Host, f: Frame) => h.balance(f, asset, vault)
  return {
    call(host, frame, fn, args) {
      const native = args.map((a) => scValToNative(a) as unknown)
      switch (fn) {
        case 'name':
          return done(xdr.ScVal.scvString('Stand-in USDC vault'))
        case 'total_supply':
          return done(i128(supply(host, frame)))
        case 'balance':
          return typeof native[0] === 'string'
            ? done(i128(host.balance(frame, vault, native[0])))
            : contractError(1)
        case 'get_assets':
          return done(
            xdr.ScVal.scvVec([
              struct({
                address: new Address(asset).toScVal(),
                strategies: xdr.ScVal.scvVec([
                  struct({
                    address: new Address(FIXED_USDC_STRATEGY).toScVal(),
                    name: xdr.ScVal.scvString('USDC Blend Fixed autocompound'),
                    paused: xdr.ScVal.scvBool(false),
                  }),
                ]),
              }),
            ]),
          )
        case 'fetch_total_managed_funds':
          return done(xdr.ScVal.scvVec([funds(asset, managed(host, frame))]))
        case 'get_asset_amounts_per_shares': {
          const shares = native[0]
          const s = supply(host, frame)
          if (typeof shares !== 'bigint' || shares > s || s === 0n) return contractError(125)
          return done(xdr.ScVal.scvVec([i128((managed(host, frame) * shares) / s)]))
        }
        case 'deposit': {
          const [desired, mins, from] = native as [unknown, unknown, unknown]
          if (from !== frame.source)
            return { ok: false, error: 'Error(Auth, InvalidAction): from did not authorise' }
          const amount = Array.isArray(desired) ? desired[0] : undefined
          const min = Array.isArray(mins) ? mins[0] : undefined
          if (typeof amount !== 'bigint' || typeof min !== 'bigint' || (desired as unknown[]).length !== 1)
            return contractError(110)
          if (amount < min) return contractError(111)
          const s = supply(host, frame)
          const m = managed(host, frame)
          const shares = s === 0n ? amount : (s * amount) / m
          if (shares <= 0n) return contractError(112)
          if (!host.move(frame, asset, from, vault, amount)) return contractError(10)
          frame.events.push({
            contract: vault,
            topic: topic('deposit'),
            value: struct({
              amounts: xdr.ScVal.scvVec([i128(amount)]),
              depositor: new Address(from).toScVal(),
              df_tokens_minted: i128(shares),
              total_managed_funds_before: xdr.ScVal.scvVec([funds(asset, m)]),
              total_supply_before: i128(s),
            }),
            at: frame.now,
            ledger: 0,
          })
          frame.balances.set(SUPPLY_KEY(vault), s + shares)
          host.setBalance(frame, vault, from, host.balance(frame, vault, from) + shares)
          return done(
            xdr.ScVal.scvVec([xdr.ScVal.scvVec([i128(amount)]), i128(shares), xdr.ScVal.scvVoid()]),
            [transferInvocation(asset, from, vault, amount)],
          )
        }
        case 'withdraw': {
          const [shares, mins, from] = native as [unknown, unknown, unknown]
          if (from !== frame.source)
            return { ok: false, error: 'Error(Auth, InvalidAction): from did not authorise' }
          const min = Array.isArray(mins) ? mins[0] : undefined
          if (typeof shares !== 'bigint' || shares <= 0n || typeof min !== 'bigint') return contractError(110)
          const s = supply(host, frame)
          const held = host.balance(frame, vault, from)
          if (shares > s || shares > held) return contractError(10)
          const out = (managed(host, frame) * shares) / s
          if (out < min) return contractError(113)
          host.setBalance(frame, vault, from, held - shares)
          frame.balances.set(SUPPLY_KEY(vault), s - shares)
          if (!host.move(frame, asset, vault, from, out)) return contractError(10)
          return done(xdr.ScVal.scvVec([i128(out)]))
        }
        default:
          return { ok: false, error: `Error(WasmVm, MissingValue): the vault stand-in has no function ${fn}` }
      }
    },
  }
}
