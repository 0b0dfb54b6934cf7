/**
 * DeFindex vault deposit/withdraw through the whole policy. Mainnet publishes no vault ids, so the vault is
 * one the deployment configures (`soroban.defindexVaults`); any other vault is an unknown contract.
 */
import { xdr } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { PROTOCOL_CONTRACTS } from '../../../shared/network.ts'
import { builtinDefaults, compilePolicy } from '../../../signer/policy/config.ts'
import {
  ATTACKER,
  addr,
  call,
  check,
  i128,
  invocation,
  MAINNET,
  ME,
  mainnetTx,
  type Row,
  STRANGER_CONTRACT,
  transfer,
  USDC,
  USDC_KEY,
  usdc,
  vec,
  XLM,
} from './builders.ts'

/** A DeFindex vault contract id for this deployment's config (the testnet USDC vault's id, as an example). */
const VAULT = PROTOCOL_CONTRACTS.testnet.defindexVaults.usdc_paltalabs_vault as string
const WITH_VAULT = compilePolicy(
  { ...builtinDefaults('mainnet'), soroban: { defindexVaults: [VAULT] } },
  MAINNET,
)
const amounts = (...xs: bigint[]) => vec(xs.map(i128))
const bool = (b: boolean) => xdr.ScVal.scvBool(b)

const deposit = (
  o: {
    desired?: xdr.ScVal
    min?: xdr.ScVal
    from?: string
    invest?: xdr.ScVal
    subs?: xdr.SorobanAuthorizedInvocation[]
    vault?: string
  } = {},
) =>
  mainnetTx([
    call(
      o.vault ?? VAULT,
      'deposit',
      [
        o.desired ?? amounts(usdc(50)),
        o.min ?? amounts(usdc(49)),
        addr(o.from ?? ME),
        o.invest ?? bool(true),
      ],
      o.subs ?? [transfer(USDC, ME, o.vault ?? VAULT, usdc(50))],
    ),
  ])
const withdraw = (shares: bigint, from = ME, subs: xdr.SorobanAuthorizedInvocation[] = []) =>
  mainnetTx([call(VAULT, 'withdraw', [i128(shares), amounts(0n), addr(from)], subs)])

const ROWS: Record<string, Row> = {
  'deposit 50 USDC into a configured vault': {
    tx: () => deposit(),
    policy: WITH_VAULT,
    expect: 'allow',
    spend: { [USDC_KEY]: usdc(50) },
  },
  'withdraw shares (paid to `from`, the signer)': {
    tx: () => withdraw(1000n),
    policy: WITH_VAULT,
    expect: 'allow',
    spend: {},
  },
  'a deposit into a vault the deployment does not list': {
    tx: () => deposit(),
    expect: 'approval',
    says: `calls \`deposit\` on unknown contract ${VAULT}, effects unknown`,
  },
  'a deposit from someone else': {
    tx: () => deposit({ from: ATTACKER }),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_ACCOUNT',
  },
  'a withdrawal of someone else’s shares': {
    tx: () => withdraw(1n, ATTACKER),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_ACCOUNT',
  },
  'a deposit transfer paying an attacker': {
    tx: () => deposit({ subs: [transfer(USDC, ME, ATTACKER, usdc(50))] }),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'a deposit transfer above every desired amount': {
    tx: () => deposit({ subs: [transfer(USDC, ME, VAULT, usdc(51))] }),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'a deposit without a transfer (never zero spend)': {
    tx: () => deposit({ subs: [] }),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'two transfers that only fit one desired amount (50 and 50 against 50 and 1)': {
    tx: () =>
      deposit({
        desired: amounts(usdc(50), usdc(1)),
        min: amounts(0n, 0n),
        subs: [transfer(USDC, ME, VAULT, usdc(50)), transfer(XLM, ME, VAULT, usdc(50))],
      }),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'a two-asset deposit within its desired amounts': {
    tx: () =>
      deposit({
        desired: amounts(usdc(1), usdc(50)),
        min: amounts(0n, 0n),
        subs: [transfer(USDC, ME, VAULT, usdc(40)), transfer(XLM, ME, VAULT, usdc(1))],
      }),
    policy: WITH_VAULT,
    expect: 'allow',
    spend: { [USDC_KEY]: usdc(40), native: usdc(1) },
  },
  'more transfers than vault assets': {
    tx: () => deposit({ subs: [transfer(USDC, ME, VAULT, usdc(1)), transfer(XLM, ME, VAULT, usdc(1))] }),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'a call nested under the deposit transfer': {
    tx: () =>
      deposit({
        subs: [
          invocation(
            USDC,
            'transfer',
            [addr(ME), addr(VAULT), i128(1n)],
            [invocation(STRANGER_CONTRACT, 'x', [])],
          ),
        ],
      }),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_DEPTH',
  },
  'amounts_desired and amounts_min of different lengths': {
    tx: () => deposit({ min: amounts(1n, 2n) }),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'invest given as a u32': {
    tx: () => deposit({ invest: xdr.ScVal.scvU32(1) }),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'a negative desired amount': {
    tx: () => deposit({ desired: amounts(-1n) }),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'withdrawing zero shares': {
    tx: () => withdraw(0n),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'a withdrawal that carries a transfer from the account': {
    tx: () => withdraw(1n, ME, [transfer(USDC, ME, ATTACKER, usdc(5))]),
    policy: WITH_VAULT,
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
}

describe('DeFindex vaults', () => {
  const rows = Object.entries(ROWS)
  it('has more bad rows than good', () => {
    expect(rows.filter(([, r]) => r.expect !== 'allow').length).toBeGreaterThan(rows.length / 2)
  })
  it.each(rows)('%s', (_name, row) => check(row))

  it('refuses a vault id that is not a contract in the deployment config', () => {
    expect(() =>
      compilePolicy({ ...builtinDefaults('mainnet'), soroban: { defindexVaults: [ME] } }, MAINNET),
    ).toThrow(/soroban\.defindexVaults\.0/)
  })
})
