/**
 * Blend v2 pool calls through the whole policy (decode → evaluate), on mainnet ids. Most rows are attempts to
 * get proceeds paid elsewhere, or to have a call signed that the decoder cannot read.
 */
import { nativeToScVal, type xdr } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { readSorobanOp } from '../../../signer/policy/soroban.ts'
import {
  ATTACKER,
  addr,
  call,
  check,
  EURC,
  FIXED,
  FIXED_V1,
  i128,
  invocation,
  MAINNET,
  ME,
  MY_OTHER,
  mainnetTx,
  map,
  NOW_S,
  OWN,
  POLICY,
  type Row,
  request,
  transfer,
  USDC,
  USDC_KEY,
  u32,
  usdc,
  vec,
  XLM,
} from './builders.ts'

const I128_MAX = (1n << 127n) - 1n
const submit = (
  requests: xdr.ScVal[],
  subs: xdr.SorobanAuthorizedInvocation[] = [],
  who: { from?: string; spender?: string; to?: string } = {},
  pool = FIXED,
) =>
  mainnetTx([
    call(
      pool,
      'submit',
      [addr(who.from ?? ME), addr(who.spender ?? ME), addr(who.to ?? ME), vec(requests)],
      subs,
    ),
  ])
const supply100 = () => submit([request(0, USDC, usdc(100))], [transfer(USDC, ME, FIXED, usdc(100))])
const claim = (to: string, from = ME) =>
  mainnetTx([call(FIXED, 'claim', [addr(from), vec([u32(0), u32(3)]), addr(to)])])

const ROWS: Record<string, Row> = {
  // ── signed ─────────────────────────────────────────────────────────────────────────────────────────
  'supply 100 USDC to the mainnet Fixed pool': {
    tx: supply100,
    expect: 'allow',
    spend: { [USDC_KEY]: usdc(100) },
  },
  'withdraw 50 USDC to oneself (nothing leaves the user)': {
    tx: () => submit([request(1, USDC, usdc(50))]),
    expect: 'allow',
    spend: {},
  },
  'withdraw all the collateral (i128::MAX) to another of the user’s accounts': {
    tx: () => submit([request(3, USDC, I128_MAX)], [], { to: MY_OTHER }),
    expect: 'allow',
    spend: {},
  },
  'supply collateral and repay in one submit: one transfer of the sum, counted once': {
    tx: () =>
      submit([request(2, USDC, usdc(30)), request(5, USDC, usdc(20))], [transfer(USDC, ME, FIXED, usdc(50))]),
    expect: 'allow',
    spend: { [USDC_KEY]: usdc(50) },
  },
  'claim emissions to oneself': { tx: () => claim(ME), expect: 'allow', spend: {} },
  // ── a person decides ───────────────────────────────────────────────────────────────────────────────
  'borrow 10 USDC to oneself (debt that can be liquidated)': {
    tx: () => submit([request(4, USDC, usdc(10))]),
    expect: 'approval',
    says: 'borrows 10 USDC from Blend pool Fixed',
  },
  'supply 200 USDC (above the cap’s approval threshold)': {
    tx: () => submit([request(0, USDC, usdc(200))], [transfer(USDC, ME, FIXED, usdc(200))]),
    expect: 'approval',
    spend: { [USDC_KEY]: usdc(200) },
  },
  'supply 600 USDC (above the per-transaction cap: never, even approved)': {
    tx: () => submit([request(0, USDC, usdc(600))], [transfer(USDC, ME, FIXED, usdc(600))]),
    approved: true,
    expect: 'ERR_POLICY_TX_CAP',
  },
  'a pool function no decoder reads (new_auction)': {
    tx: () => mainnetTx([call(FIXED, 'new_auction', [u32(0), addr(ME)])]),
    expect: 'approval',
    says: 'calls `new_auction` on Blend pool Fixed (CAJJ…BXBD), effects unknown',
  },
  'submit on the v1 Fixed pool (not a registered v2 pool)': {
    tx: () => submit([request(1, USDC, usdc(5))], [], {}, FIXED_V1),
    expect: 'approval',
    says: `calls \`submit\` on unknown contract ${FIXED_V1}, effects unknown`,
  },
  // ── refused ────────────────────────────────────────────────────────────────────────────────────────
  'withdraw all to an attacker': {
    tx: () => submit([request(1, USDC, I128_MAX)], [], { to: ATTACKER }),
    expect: 'ERR_POLICY_SOROBAN_RECIPIENT',
    says: 'auth 0 node 0: blend submit: to',
  },
  'borrow to an attacker': {
    tx: () => submit([request(4, USDC, usdc(10))], [], { to: ATTACKER }),
    expect: 'ERR_POLICY_SOROBAN_RECIPIENT',
  },
  'claim emissions to an attacker': { tx: () => claim(ATTACKER), expect: 'ERR_POLICY_SOROBAN_RECIPIENT' },
  'claim for someone else’s position': {
    tx: () => claim(ME, ATTACKER),
    expect: 'ERR_POLICY_SOROBAN_ACCOUNT',
  },
  'a submit on someone else’s position (from)': {
    tx: () => submit([request(1, USDC, usdc(1))], [], { from: ATTACKER }),
    expect: 'ERR_POLICY_SOROBAN_ACCOUNT',
  },
  'our tokens funding someone else’s submit (spender is a stranger, from is us)': {
    tx: () =>
      submit([request(0, USDC, usdc(1))], [transfer(USDC, ME, FIXED, usdc(1))], { spender: ATTACKER }),
    expect: 'ERR_POLICY_SOROBAN_ACCOUNT',
  },
  'request_type 7 (fill bad-debt auction)': {
    tx: () =>
      submit([request(0, USDC, usdc(1)), request(7, ATTACKER, 0n)], [transfer(USDC, ME, FIXED, usdc(1))]),
    expect: 'ERR_POLICY_SOROBAN_REFUSED_CALL',
    says: 'blend submit request 1: request_type 7 (fill bad-debt auction) is refused',
  },
  'request_type 6 (fill user liquidation auction)': {
    tx: () => submit([request(6, ATTACKER, 100n)]),
    expect: 'ERR_POLICY_SOROBAN_REFUSED_CALL',
  },
  'request_type 12 (unknown)': {
    tx: () => submit([request(12, USDC, 1n)]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
    says: 'blend submit request 0: unknown request_type 12',
  },
  'Request keys out of order (amount, address, request_type)': {
    tx: () =>
      submit([
        map([
          ['amount', i128(1n)],
          ['address', addr(USDC)],
          ['request_type', u32(1)],
        ]),
      ]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'Request with a misnamed key (amounts)': {
    tx: () =>
      submit([
        map([
          ['address', addr(USDC)],
          ['amounts', i128(1n)],
          ['request_type', u32(1)],
        ]),
      ]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'Request with an extra key': {
    tx: () =>
      submit([
        map([
          ['address', addr(USDC)],
          ['amount', i128(1n)],
          ['request_type', u32(1)],
          ['to', addr(ATTACKER)],
        ]),
      ]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'amount as u128 instead of i128': {
    tx: () =>
      submit([
        map([
          ['address', addr(USDC)],
          ['amount', nativeToScVal(5n, { type: 'u128' })],
          ['request_type', u32(0)],
        ]),
      ]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'a negative supply amount': {
    tx: () => submit([request(0, USDC, -usdc(100))], [transfer(USDC, ME, FIXED, 0n)]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
    says: 'negative amount',
  },
  'two supplies that overflow i128 together': {
    tx: () => submit([request(0, USDC, I128_MAX), request(0, USDC, I128_MAX)]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
    says: 'overflow',
  },
  'requests that are not a vec': {
    tx: () => mainnetTx([call(FIXED, 'submit', [addr(ME), addr(ME), addr(ME), request(0, USDC, 1n)])]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'submit with three arguments': {
    tx: () => mainnetTx([call(FIXED, 'submit', [addr(ME), addr(ME), vec([request(1, USDC, 1n)])])]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'a supply without its transfer (never zero spend)': {
    tx: () => submit([request(0, USDC, usdc(100))]),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
    says: 'supplied or repaid without its transfer',
  },
  'a transfer larger than the supply': {
    tx: () => submit([request(0, USDC, usdc(1))], [transfer(USDC, ME, FIXED, usdc(400))]),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'a transfer of another token than the one supplied': {
    tx: () => submit([request(0, USDC, usdc(1))], [transfer(XLM, ME, FIXED, usdc(1))]),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'the supply’s transfer paying an attacker instead of the pool': {
    tx: () => submit([request(0, USDC, usdc(1))], [transfer(USDC, ME, ATTACKER, usdc(1))]),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'the same token transferred twice': {
    tx: () =>
      submit(
        [request(0, USDC, usdc(1))],
        [transfer(USDC, ME, FIXED, usdc(1)), transfer(USDC, ME, FIXED, usdc(1))],
      ),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'a transfer with a nested call under it': {
    tx: () =>
      submit(
        [request(0, USDC, usdc(1))],
        [
          invocation(
            USDC,
            'transfer',
            [addr(ME), addr(FIXED), i128(usdc(1))],
            [transfer(XLM, ME, ATTACKER, 1n)],
          ),
        ],
      ),
    expect: 'ERR_POLICY_SOROBAN_DEPTH',
  },
  'supplying a token with no spending limit (EURC)': {
    tx: () => submit([request(0, EURC, 10n)], [transfer(EURC, ME, FIXED, 10n)]),
    expect: 'ERR_POLICY_OPERATION',
  },
  submit_with_allowance: {
    tx: () =>
      mainnetTx([
        call(FIXED, 'submit_with_allowance', [addr(ME), addr(ME), addr(ME), vec([request(0, USDC, 1n)])]),
      ]),
    expect: 'ERR_POLICY_SOROBAN_REFUSED_CALL',
  },
  flash_loan: {
    tx: () =>
      mainnetTx([
        call(FIXED, 'flash_loan', [
          addr(ME),
          map([
            ['amount', i128(usdc(1000))],
            ['asset', addr(USDC)],
            ['contract', addr(ATTACKER)],
          ]),
          vec([]),
        ]),
      ]),
    expect: 'ERR_POLICY_SOROBAN_REFUSED_CALL',
  },
}

describe('Blend v2 pools', () => {
  const rows = Object.entries(ROWS)
  it('has more bad rows than good', () => {
    expect(rows.filter(([, r]) => r.expect !== 'allow').length).toBeGreaterThan(rows.length / 2)
  })
  it.each(rows)('%s', (_name, row) => check(row))

  it('encodes Request as the contract does: an ScMap with sorted symbol keys', () => {
    const v = request(0, USDC, 1n)
    const entries = v.type === 'scvMap' ? (v.map ?? []) : []
    const keys = entries.map((e) => (e.key.type === 'scvSymbol' ? e.key.sym.toString() : ''))
    expect(keys).toEqual(['address', 'amount', 'request_type'])
  })

  it('reads a supply into a spend line and a preview line in words', () => {
    const op = supply100().operations[0]
    if (op?.type !== 'invokeHostFunction') throw new Error('not a contract call')
    const r = readSorobanOp(op, {
      owner: ME,
      ownAccounts: OWN,
      tokenContracts: POLICY.tokenContracts,
      nowSeconds: BigInt(NOW_S),
      maxTimeAheadSeconds: 300,
      settings: POLICY.soroban,
    })
    expect(r.ok && r.reading).toEqual({
      spend: [{ asset: USDC_KEY, amount: usdc(100) }],
      destinations: [],
      approvals: [],
      lines: [
        {
          kind: 'contract_call',
          contract: FIXED,
          asset: USDC_KEY,
          amount: '100',
          text: 'Supply 100 USDC to Blend pool Fixed (CAJJ…BXBD)',
        },
      ],
    })
  })

  it('knows the mainnet USDC SAC from the asset and the passphrase (blend-utils `USDC`)', () => {
    expect(USDC).toBe('CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75')
    expect(POLICY.tokenContracts.get(USDC)).toBe(USDC_KEY)
    expect(MAINNET).toContain('Public Global')
  })
})
