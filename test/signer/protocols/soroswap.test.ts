/**
 * Soroswap router and aggregator swaps through the whole policy, plus the real mainnet aggregator transaction
 * (soroswap/aggregator 7de298d contracts/aggregator/tx_envelope.json, copied to ../shared/fixtures/defi/)
 * decoded to its exact spend.
 */
import { readFileSync } from 'node:fs'
import { Keypair, nativeToScVal, type Transaction, TransactionBuilder, xdr } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { compilePolicy } from '../../../signer/policy/config.ts'
import { evaluatePolicy } from '../../../signer/policy/evaluate.ts'
import { sorobanSettings } from '../../../signer/policy/protocols/registry.ts'
import { readSorobanOp } from '../../../signer/policy/soroban.ts'
import {
  AGGREGATOR,
  ATTACKER,
  addr,
  call,
  check,
  i128,
  invocation,
  MAINNET,
  ME,
  mainnetTx,
  map,
  NOW_S,
  OWN,
  PAIR,
  POLICY,
  POOL,
  path,
  ROUTER,
  type Row,
  STRANGER_CONTRACT,
  transfer,
  USDC,
  USDC_KEY,
  u32,
  u64,
  usdc,
  vec,
  XLM,
} from './builders.ts'

const DEADLINE = NOW_S + 120
const xlm = usdc

const routerSwap = (
  o: {
    amountIn?: bigint
    to?: string
    deadline?: xdr.ScVal
    p?: xdr.ScVal
    subs?: xdr.SorobanAuthorizedInvocation[]
  } = {},
) => {
  const amountIn = o.amountIn ?? xlm(10)
  return mainnetTx([
    call(
      ROUTER,
      'swap_exact_tokens_for_tokens',
      [
        i128(amountIn),
        i128(usdc(9.5)),
        o.p ?? path(XLM, USDC),
        addr(o.to ?? ME),
        o.deadline ?? u64(DEADLINE),
      ],
      o.subs ?? [transfer(XLM, ME, PAIR, amountIn)],
    ),
  ])
}
const routerExactOut = (maxIn: bigint, moved: bigint) =>
  mainnetTx([
    call(
      ROUTER,
      'swap_tokens_for_exact_tokens',
      [i128(usdc(5)), i128(maxIn), path(XLM, USDC), addr(ME), u64(DEADLINE)],
      [transfer(XLM, ME, PAIR, moved)],
    ),
  ])

/** DexDistribution as the current aggregator encodes it (protocol_id: Protocol u32). */
const dist = (protocol: number | string, p: xdr.ScVal, parts = 1) =>
  map([
    ['bytes', xdr.ScVal.scvVoid()],
    ['parts', u32(parts)],
    ['path', p],
    [
      'protocol_id',
      typeof protocol === 'number' ? u32(protocol) : nativeToScVal(protocol, { type: 'string' }),
    ],
  ])
/** USDC → XLM through the aggregator: soroswap (router → transfer) and phoenix (multihop → pool → transfer). */
const aggSwap = (
  o: {
    to?: string
    distribution?: xdr.ScVal[]
    subs?: xdr.SorobanAuthorizedInvocation[]
    amountIn?: bigint
  } = {},
) => {
  const amountIn = o.amountIn ?? usdc(30)
  return mainnetTx([
    call(
      AGGREGATOR,
      'swap_exact_tokens_for_tokens',
      [
        addr(USDC),
        addr(XLM),
        i128(amountIn),
        i128(xlm(90)),
        vec(o.distribution ?? [dist(0, path(USDC, XLM), 1), dist(1, path(USDC, XLM), 2)]),
        addr(o.to ?? ME),
        u64(DEADLINE),
      ],
      o.subs ?? [
        invocation(ROUTER, 'swap_exact_tokens_for_tokens', [], [transfer(USDC, ME, PAIR, usdc(10))]),
        invocation(
          STRANGER_CONTRACT,
          'swap',
          [],
          [invocation(POOL, 'swap', [], [transfer(USDC, ME, POOL, usdc(20))])],
        ),
      ],
    ),
  ])
}
const nest = (levels: number, leaf: xdr.SorobanAuthorizedInvocation): xdr.SorobanAuthorizedInvocation =>
  levels === 0 ? leaf : invocation(STRANGER_CONTRACT, 'hop', [], [nest(levels - 1, leaf)])

const ROWS: Record<string, Row> = {
  // ── signed ─────────────────────────────────────────────────────────────────────────────────────────
  'a router swap of 10 XLM paid to oneself': {
    tx: () => routerSwap(),
    expect: 'allow',
    spend: { native: xlm(10) },
  },
  'a router exact-out swap moving less than amount_in_max': {
    tx: () => routerExactOut(xlm(10), xlm(8)),
    expect: 'allow',
    spend: { native: xlm(8) },
  },
  'an aggregator swap split over soroswap and phoenix, paid to oneself': {
    tx: () => aggSwap(),
    expect: 'allow',
    spend: { [USDC_KEY]: usdc(30) },
  },
  // ── a person decides ───────────────────────────────────────────────────────────────────────────────
  'a router function no decoder reads (add_liquidity)': {
    tx: () => mainnetTx([call(ROUTER, 'add_liquidity', [addr(XLM), addr(USDC)])]),
    expect: 'approval',
    says: 'calls `add_liquidity` on Soroswap router',
  },
  // ── refused ────────────────────────────────────────────────────────────────────────────────────────
  'a router swap paid to an attacker': {
    tx: () => routerSwap({ to: ATTACKER }),
    expect: 'ERR_POLICY_SOROBAN_RECIPIENT',
  },
  'a deadline in the past': {
    tx: () => routerSwap({ deadline: u64(NOW_S - 1) }),
    expect: 'ERR_POLICY_SOROBAN_DEADLINE',
  },
  'a deadline an hour ahead (past the time-bound limit)': {
    tx: () => routerSwap({ deadline: u64(NOW_S + 3600) }),
    expect: 'ERR_POLICY_SOROBAN_DEADLINE',
  },
  'a deadline in milliseconds': {
    tx: () => routerSwap({ deadline: u64(NOW_S * 1000) }),
    expect: 'ERR_POLICY_SOROBAN_DEADLINE',
  },
  'a deadline as u32 instead of u64': {
    tx: () => routerSwap({ deadline: u32(DEADLINE) }),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'a path of one token': { tx: () => routerSwap({ p: path(XLM) }), expect: 'ERR_POLICY_SOROBAN_ARGS' },
  'a path of symbols, not addresses': {
    tx: () => routerSwap({ p: vec([xdr.ScVal.scvSymbol('XLM'), xdr.ScVal.scvSymbol('USDC')]) }),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'a router swap without its transfer': {
    tx: () => routerSwap({ subs: [] }),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'a router transfer larger than amount_in': {
    tx: () => routerSwap({ subs: [transfer(XLM, ME, PAIR, xlm(90))] }),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'a router transfer of another token than path[0]': {
    tx: () => routerSwap({ subs: [transfer(USDC, ME, PAIR, xlm(10))] }),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'an exact-out transfer above amount_in_max': {
    tx: () => routerExactOut(xlm(10), xlm(11)),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'a router transfer nested a level deeper': {
    tx: () => routerSwap({ subs: [nest(1, transfer(XLM, ME, PAIR, xlm(10)))] }),
    expect: 'ERR_POLICY_SOROBAN_DEPTH',
  },
  'an aggregator swap paid to an attacker': {
    tx: () => aggSwap({ to: ATTACKER }),
    expect: 'ERR_POLICY_SOROBAN_RECIPIENT',
  },
  'aggregator leaves moving more than amount_in': {
    tx: () => aggSwap({ amountIn: usdc(25) }),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'an aggregator leaf moving token_out (XLM) from the account': {
    tx: () => aggSwap({ subs: [invocation(ROUTER, 'swap', [], [transfer(XLM, ME, PAIR, xlm(1))])] }),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'an aggregator leaf paying an account, not a pool': {
    tx: () => aggSwap({ subs: [invocation(ROUTER, 'swap', [], [transfer(USDC, ME, ATTACKER, usdc(1))])] }),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'an aggregator leaf that is not a transfer (approve)': {
    tx: () =>
      aggSwap({
        subs: [
          invocation(
            ROUTER,
            'swap',
            [],
            [invocation(USDC, 'approve', [addr(ME), addr(ATTACKER), i128(1n), u32(9)])],
          ),
        ],
      }),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'an aggregator swap with no transfer at all': {
    tx: () => aggSwap({ subs: [] }),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'an aggregator leaf five levels down': {
    tx: () => aggSwap({ subs: [nest(4, transfer(USDC, ME, POOL, usdc(1)))] }),
    expect: 'ERR_POLICY_SOROBAN_DEPTH',
  },
  'a distribution path that does not start at token_in': {
    tx: () => aggSwap({ distribution: [dist(0, path(XLM, USDC))] }),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'an unknown protocol_id': {
    tx: () => aggSwap({ distribution: [dist(9, path(USDC, XLM))] }),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'zero parts': {
    tx: () => aggSwap({ distribution: [dist(0, path(USDC, XLM), 0)] }),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'sixteen distribution entries (the contract allows 15)': {
    tx: () => aggSwap({ distribution: Array.from({ length: 16 }, () => dist(0, path(USDC, XLM))) }),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
}

describe('Soroswap router and aggregator', () => {
  const rows = Object.entries(ROWS)
  it('has more bad rows than good', () => {
    expect(rows.filter(([, r]) => r.expect !== 'allow').length).toBeGreaterThan(rows.length / 2)
  })
  it.each(rows)('%s', (_name, row) => check(row))

  it('previews a router swap in words', () => {
    const r = read(routerSwap())
    expect(r.lines.map((l) => l.text)).toEqual([
      `Swap 10 XLM for at least 9.5 USDC via Soroswap, paid to ${ME.slice(0, 4)}…${ME.slice(-4)}`,
    ])
  })
})

// ── the real mainnet aggregator transaction ──────────────────────────────────────────────────────────

/**
 * The fixture is stellar-xdr JSON from before protocol 23: 64-bit numbers as JSON numbers (seq_num does not
 * fit a double, so it is read from the source text), i128 as {hi, lo}, and `read_bytes` (now
 * `disk_read_bytes`, same wire position). Rebuilt here into the XDR that was signed on mainnet.
 */
function fixtureTx(): Transaction {
  const WIDE = new Set(['hi', 'lo', 'seq_num', 'min_time', 'max_time', 'u64', 'i64', 'resource_fee', 'nonce'])
  const text = readFileSync('../shared/fixtures/defi/soroswap-aggregator-mainnet-tx.json', 'utf8')
  const json = JSON.parse(text, (key, value, ctx?: { source?: string }) => {
    if (typeof value === 'number' && WIDE.has(key)) return ctx?.source ?? String(value)
    if ((key === 'i128' || key === 'u128') && value !== null && typeof value === 'object' && 'hi' in value) {
      return ((BigInt(value.hi) << 64n) + BigInt(value.lo)).toString()
    }
    if (key === 'resources' && value !== null && typeof value === 'object' && 'read_bytes' in value) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k === 'read_bytes' ? 'disk_read_bytes' : k, v]),
      )
    }
    return value
  })
  const env = xdr.TransactionEnvelope.fromJson(json)
  return TransactionBuilder.fromXDR(env.toXdr('base64'), MAINNET) as Transaction
}

const FIXTURE_SOURCE = 'GACKMEZIHGXX6FKCPUXY7ZMKBSRZLWFCYN3CKEMGS5P3WUG7YZRYI3WW'
/** The aggregator deployment the fixture calls: soroswap/aggregator e76ca3f public/mainnet.contracts.json (v2.0.0). */
const FIXTURE_AGGREGATOR = 'CCXNPJPNWT4WDWKTUNRPKNUHFYKZW6XBJAOHKAW2KLY5PBBGX6ZCFUJC'
const FIXTURE_SETTINGS = (() => {
  const s = sorobanSettings(MAINNET, { unknownContracts: 'approval', defindexVaults: [] })
  const registry = new Map(s.registry)
  registry.set(FIXTURE_AGGREGATOR, {
    kind: 'soroswap-aggregator',
    label: 'Soroswap aggregator v2.0.0 (CCXN…FUJC)',
  })
  return { ...s, registry }
})()
/** The fixture's own deadline (1747087123987, a millisecond value the contract reads as seconds) is in range. */
const FIXTURE_NOW_S = 1747087123987n - 60n

function read(tx: Transaction, owner = ME, settings = POLICY.soroban, nowSeconds = BigInt(NOW_S)) {
  const op = tx.operations[0]
  if (op?.type !== 'invokeHostFunction') throw new Error('not a contract call')
  const r = readSorobanOp(op, {
    owner,
    ownAccounts: owner === ME ? OWN : new Set([owner]),
    tokenContracts: POLICY.tokenContracts,
    nowSeconds,
    maxTimeAheadSeconds: 300,
    settings,
  })
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`)
  return r.reading
}

describe('the real mainnet aggregator transaction (fixture)', () => {
  const tx = fixtureTx()

  it('is rebuilt byte for byte: its mainnet signature verifies', () => {
    const sig = tx.signatures[0]?.signature
    expect(sig).toBeDefined()
    expect(Keypair.fromPublicKey(FIXTURE_SOURCE).verify(tx.hash(), Buffer.from(sig?.value ?? []))).toBe(true)
  })

  it('decodes to the sum of its three leaf transfers of USDC, paid to its own source', () => {
    const r = read(tx, FIXTURE_SOURCE, FIXTURE_SETTINGS, FIXTURE_NOW_S)
    // soroswap 4388953451 + phoenix 8777906902 + aqua 30722674158 = amount_in 43889534511 (base units).
    expect(r.spend).toEqual([{ asset: USDC_KEY, amount: 43_889_534_511n }])
    expect(r.destinations).toEqual([])
    expect(r.approvals).toEqual([])
    expect(r.lines).toEqual([
      {
        kind: 'contract_call',
        contract: FIXTURE_AGGREGATOR,
        destination: FIXTURE_SOURCE,
        asset: USDC_KEY,
        amount: '4388.9534511',
        text: 'Swap 4388.9534511 USDC for at least 13767.9568804 XLM via the Soroswap aggregator (soroswap, phoenix, aqua), paid to GACK…I3WW',
      },
    ])
  })

  it('is refused by the policy as it stands: unbounded time bounds, then its far-future deadline', () => {
    const d = evaluatePolicy(
      compilePolicy({ assets: [] }, MAINNET),
      tx,
      {
        signer: FIXTURE_SOURCE,
        spentToday: new Map(),
        feesSpent: 0n,
        approved: false,
      },
      new Date(Number(FIXTURE_NOW_S) * 1000),
    )
    expect(d.verdict === 'deny' && d.code).toBe('ERR_POLICY_TIME_BOUNDS')
    expect(() => read(tx, FIXTURE_SOURCE, FIXTURE_SETTINGS)).toThrow(
      /ERR_POLICY_SOROBAN_DEADLINE.*auth 0 node 0/,
    )
  })

  it('is an unknown call where its aggregator deployment is not registered (the current mainnet registry)', () => {
    const r = read(tx, FIXTURE_SOURCE, POLICY.soroban, FIXTURE_NOW_S)
    expect(r.approvals[0]).toBe(
      `calls \`swap_exact_tokens_for_tokens\` on unknown contract ${FIXTURE_AGGREGATOR}, effects unknown`,
    )
    // The leaves beneath an unknown call still count (the adapters are unknown too; the USDC moves are not).
    expect(r.spend.reduce((a, l) => a + l.amount, 0n)).toBe(43_889_534_511n)
  })
})
