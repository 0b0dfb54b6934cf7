/**
 * The policy check's cost per transaction: decodeAndCheck (XDR decode + hash) and evaluatePolicy alone,
 * for 1, 10 and 100 payment operations, plus a Soroban transfer, a buy offer, a Blend submit (supply with its
 * transfer, and a withdrawal) and a Soroswap aggregator swap shaped like the real mainnet one (three routes,
 * leaves three and four levels down) — the paths that read more. Target: evaluate < 200 µs per transaction.
 * Run: node bench/policy.ts
 */
import { randomBytes } from 'node:crypto'
import {
  Account,
  Asset,
  Keypair,
  Networks,
  Operation,
  StrKey,
  TransactionBuilder,
  xdr,
} from '@stellar/stellar-sdk/base'
import { PROTOCOL_CONTRACTS } from '../shared/network.ts'
import { builtinDefaults, compilePolicy } from '../signer/policy/config.ts'
import { evaluatePolicy } from '../signer/policy/evaluate.ts'
import { decodeAndCheck } from '../signer/tx/check.ts'
import { addr, i128, invocation, sorobanOp, u32, u64 } from '../test/signer/policy-fixtures.ts'
import { map, path, request, vec } from '../test/signer/protocols/builders.ts'

const policy = compilePolicy(builtinDefaults('testnet'), Networks.TESTNET)
const me = Keypair.random().publicKey()
const dest = Keypair.random().publicKey()
const sac = Asset.native().contractId(Networks.TESTNET)
const usdc = new Asset('USDC', 'GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5').contractId(
  Networks.TESTNET,
)
const pool = PROTOCOL_CONTRACTS.testnet.blendPools.TestnetV2 as string
const aggregator = PROTOCOL_CONTRACTS.testnet.soroswapAggregator as string
const contract = (): string => StrKey.encodeContract(randomBytes(32))
const [adapter, router, multihop, pair] = [contract(), contract(), contract(), contract()]
const deadline = u64(Math.floor(Date.now() / 1000) + 120)

function blendSubmit() {
  const amount = 1_000_000_000n
  const args = [addr(me), addr(me), addr(me), vec([request(0, usdc, amount), request(1, sac, 50_000_000n)])]
  const tree = invocation(pool, 'submit', args, [
    invocation(usdc, 'transfer', [addr(me), addr(pool), i128(amount)]),
  ])
  return sorobanOp(pool, 'submit', args, tree)
}

/** USDC → XLM over three routes, like the fixture: adapter → router → transfer; adapter → multihop → pool → transfer. */
function aggregatorSwap() {
  const parts = [100_000_000n, 200_000_000n, 700_000_000n]
  const dist = (n: number) =>
    map([
      ['bytes', xdr.ScVal.scvVoid()],
      ['parts', u32(n)],
      ['path', path(usdc, sac)],
      ['protocol_id', u32(n - 1)],
    ])
  const args = [
    addr(usdc),
    addr(sac),
    i128(1_000_000_000n),
    i128(1n),
    vec([dist(1), dist(2), dist(3)]),
    addr(me),
    deadline,
  ]
  const leaf = (amount: bigint) => invocation(usdc, 'transfer', [addr(me), addr(pair), i128(amount)])
  const tree = invocation(aggregator, 'swap_exact_tokens_for_tokens', args, [
    invocation(
      adapter,
      'swap_exact_tokens_for_tokens',
      [],
      [invocation(router, 'swap', [], [leaf(parts[0] ?? 0n)])],
    ),
    invocation(
      adapter,
      'swap_exact_tokens_for_tokens',
      [],
      [invocation(multihop, 'swap', [], [invocation(pair, 'swap', [], [leaf(parts[1] ?? 0n)])])],
    ),
    invocation(
      adapter,
      'swap_exact_tokens_for_tokens',
      [],
      [invocation(router, 'swap_chained', [], [leaf(parts[2] ?? 0n)])],
    ),
  ])
  return sorobanOp(aggregator, 'swap_exact_tokens_for_tokens', args, tree)
}

function xdrOf(ops: ReturnType<typeof Operation.payment>[]): string {
  const b = new TransactionBuilder(new Account(me, '1'), {
    fee: String(100 * ops.length),
    networkPassphrase: Networks.TESTNET,
  })
  for (const op of ops) b.addOperation(op)
  return b.setTimeout(240).build().toEnvelope().toXDR('base64')
}

const cases: [string, string][] = [
  ['1 payment', xdrOf([Operation.payment({ destination: dest, asset: Asset.native(), amount: '1' })])],
  [
    '10 payments',
    xdrOf(
      Array.from({ length: 10 }, () =>
        Operation.payment({ destination: dest, asset: Asset.native(), amount: '1' }),
      ),
    ),
  ],
  [
    '100 payments',
    xdrOf(
      Array.from({ length: 100 }, () =>
        Operation.payment({ destination: dest, asset: Asset.native(), amount: '0.1' }),
      ),
    ),
  ],
  [
    '1 buy offer',
    xdrOf([
      Operation.manageBuyOffer({
        selling: Asset.native(),
        buying: new Asset('USDC', dest),
        buyAmount: '1',
        price: { n: 1, d: 2 },
      }),
    ]),
  ],
  [
    '1 Soroban transfer',
    xdrOf([
      sorobanOp(
        sac,
        'transfer',
        [addr(me), addr(dest), i128(10n)],
        invocation(sac, 'transfer', [addr(me), addr(dest), i128(10n)]),
      ),
    ]),
  ],
  ['1 Blend submit', xdrOf([blendSubmit()])],
  ['1 aggregator swap', xdrOf([aggregatorSwap()])],
]

const now = new Date()
const state = {
  signer: me,
  spentToday: new Map<string, bigint>(),
  feesSpent: 0n,
  approved: false,
  ownAccounts: new Set([me]),
}
const time = (n: number, f: () => void): number => {
  for (let i = 0; i < Math.min(n, 200); i++) f()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) f()
  return Number(process.hrtime.bigint() - t0) / 1000 / n
}
console.log('case                 decode+check µs   evaluate µs   verdict')
for (const [name, xdr] of cases) {
  const n = name.startsWith('100') ? 500 : 5000
  const decode = () =>
    decodeAndCheck({ xdr, publicKey: me, networkPassphrase: Networks.TESTNET, claimedPassphrase: undefined })
  const d = decode()
  if (!d.ok) throw new Error(d.error.message)
  const decodeUs = time(n, decode)
  const evalUs = time(n, () => evaluatePolicy(policy, d.value.tx, state, now))
  const verdict = evaluatePolicy(policy, d.value.tx, state, now).verdict
  console.log(
    `${name.padEnd(20)} ${decodeUs.toFixed(1).padStart(15)} ${evalUs.toFixed(1).padStart(13)}   ${verdict}`,
  )
}
