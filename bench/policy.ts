/**
 * The policy check's cost per transaction: decodeAndCheck (XDR decode + hash) and evaluatePolicy alone,
 * for 1, 10 and 100 payment operations, plus a Soroban transfer and a buy offer (the paths that read more).
 * Run: node bench/policy.ts
 */
import { Account, Asset, Keypair, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { builtinDefaults, compilePolicy } from '../signer/policy/config.ts'
import { evaluatePolicy } from '../signer/policy/evaluate.ts'
import { decodeAndCheck } from '../signer/tx/check.ts'
import { addr, i128, invocation, sorobanOp } from '../test/signer/policy-fixtures.ts'

const policy = compilePolicy(builtinDefaults('testnet'), Networks.TESTNET)
const me = Keypair.random().publicKey()
const dest = Keypair.random().publicKey()
const sac = Asset.native().contractId(Networks.TESTNET)

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
]

const now = new Date()
const state = { signer: me, spentToday: new Map<string, bigint>(), feesSpent: 0n, approved: false }
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
