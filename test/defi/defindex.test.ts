/**
 * DeFindex share math and encoders (paltalabs/defindex 32c8169 `vault/src/deposit.rs`
 * `calculate_single_asset_shares`, `vault/src/utils.rs` `calculate_asset_amounts_per_vault_shares`).
 */
import { Keypair } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import {
  amountsForShares,
  apyFromSharePrices,
  depositOperation,
  sharesForDeposit,
  withdrawOperation,
} from '../../edge/defi/defindex/vault.ts'

const VAULT = 'CDJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNFUWS2LJNEJ4S'
const USER = Keypair.fromRawEd25519Seed(new Uint8Array(32).fill(3)).publicKey()

describe('share math', () => {
  it.each([
    // amount, total supply, total managed, shares
    [100n, 0n, 0n, 100n],
    [1_000_000_000n, 9_000_000_000n, 10_000_000_000n, 900_000_000n],
    [7n, 3n, 10n, 2n],
  ])('sharesForDeposit(%s, supply %s, managed %s) = %s', (a, s, m, want) => {
    const r = sharesForDeposit(a, s, m)
    expect(r.ok && r.value).toBe(want)
  })
  it('amountsForShares floors per asset', () => {
    const r = amountsForShares(10_000_000n, 90_000_000n, [100_000_000n, 7n])
    expect(r.ok && r.value).toEqual([11_111_111n, 0n])
  })
  it.each([
    ['more shares than exist', () => amountsForShares(11n, 10n, [5n])],
    ['an empty vault', () => amountsForShares(1n, 0n, [5n])],
    ['a vault that manages nothing', () => sharesForDeposit(1n, 10n, 0n)],
  ])('refuses %s', (_n, f) => expect(f().ok).toBe(false))
})

describe('APY from share price over time', () => {
  it('1% over one 365th of a year compounds daily to ≈ 36.78 (3678%)', () => {
    const r = apyFromSharePrices({ price: 1_000_000n, at: 0n }, { price: 1_010_000n, at: 86_400n })
    // (1.01)^365 − 1 = 36.7834…; 7 decimals, integer arithmetic floors a little below.
    expect(r.ok && Number(r.value) / 1e7).toBeCloseTo(36.78, 1)
  })
  it('a flat price is 0', () => {
    const r = apyFromSharePrices({ price: 5n, at: 0n }, { price: 5n, at: 100n })
    expect(r.ok && r.value).toBe(0n)
  })
  it.each([
    ['the same instant', { price: 1n, at: 5n }, { price: 2n, at: 5n }],
    ['time backwards', { price: 1n, at: 5n }, { price: 2n, at: 4n }],
    ['a zero price', { price: 0n, at: 0n }, { price: 2n, at: 4n }],
    ['a negative price', { price: 1n, at: 0n }, { price: -2n, at: 4n }],
  ])('refuses %s', (_n, a, b) => expect(apyFromSharePrices(a, b).ok).toBe(false))
})

describe('deposit / withdraw encoders', () => {
  it('deposit(amounts_desired, amounts_min, from, invest)', () => {
    const op = depositOperation(VAULT, USER, [1_000_000_000n], [1_000_000_000n])
    if (!op.ok) throw new Error(op.error.message)
    const body = op.value.body
    if (body.type !== 'invokeHostFunction') throw new Error('not a call')
    const f = body.invokeHostFunctionOp.hostFunction
    if (f.type !== 'hostFunctionTypeInvokeContract') throw new Error('not invokeContract')
    expect(f.invokeContract.functionName.toString()).toBe('deposit')
    expect(f.invokeContract.args.map((a) => a.type)).toEqual(['scvVec', 'scvVec', 'scvAddress', 'scvBool'])
  })
  it.each([
    ['no amounts', () => depositOperation(VAULT, USER, [], [])],
    ['mismatched lengths', () => depositOperation(VAULT, USER, [1n], [1n, 1n])],
    ['all zero', () => depositOperation(VAULT, USER, [0n], [0n])],
    ['a negative amount', () => depositOperation(VAULT, USER, [-1n], [0n])],
    ['a minimum above the amount', () => depositOperation(VAULT, USER, [5n], [6n])],
    ['an account as vault', () => depositOperation(USER, USER, [5n], [5n])],
    ['a contract as depositor', () => depositOperation(VAULT, VAULT, [5n], [5n])],
    ['withdraw zero shares', () => withdrawOperation(VAULT, USER, 0n, [0n])],
    ['withdraw with no minimums', () => withdrawOperation(VAULT, USER, 1n, [])],
    ['withdraw with a negative minimum', () => withdrawOperation(VAULT, USER, 1n, [-1n])],
  ])('refuses %s', (_n, f) => expect(f().ok).toBe(false))
})
