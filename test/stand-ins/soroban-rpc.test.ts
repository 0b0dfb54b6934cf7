/**
 * The Soroban RPC stand-in driven by stellar-sdk's `rpc.Server`: getAccount, simulate, assemble, sign,
 * send, and poll getTransaction until it reports the contract's return value.
 */

import { rpc } from '@stellar/stellar-sdk'
import {
  Address,
  Contract,
  Keypair,
  nativeToScVal,
  scValToNative,
  TransactionBuilder,
} from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HorizonStandIn, startHorizon } from '../support/horizon/server.ts'
import { type SorobanRpcStandIn, startSorobanRpc } from '../support/soroban-rpc/server.ts'

const PASSPHRASE = 'Tuxedo Stand-in Network ; 2026'
let h: HorizonStandIn
let s: SorobanRpcStandIn
let server: rpc.Server

beforeAll(async () => {
  h = await startHorizon({ passphrase: PASSPHRASE })
  s = await startSorobanRpc({ passphrase: PASSPHRASE, horizon: h.ledger })
  server = new rpc.Server(s.url, { allowHttp: true })
})
afterAll(async () => {
  await s.close()
  await h.close()
})

function fresh(tokens: bigint) {
  const kp = Keypair.random()
  h.ledger.createAccount(kp.publicKey(), '100')
  s.contract.balances.set(kp.publicKey(), tokens)
  return kp
}

async function invoke(
  kp: Keypair,
  fn: string,
  args: ReturnType<typeof nativeToScVal>[],
  passphrase = PASSPHRASE,
) {
  const account = await server.getAccount(kp.publicKey())
  const tx = new TransactionBuilder(account, { fee: '100', networkPassphrase: passphrase })
    .addOperation(new Contract(s.contract.id).call(fn, ...args))
    .setTimeout(30)
    .build()
  return tx
}

const addr = (k: Keypair) => new Address(k.publicKey()).toScVal()

describe('Soroban RPC stand-in', () => {
  it('reports health and network, and loads accounts through getLedgerEntries', async () => {
    expect((await server.getHealth()).status).toBe('healthy')
    expect((await server.getNetwork()).passphrase).toBe(PASSPHRASE)
    const kp = fresh(0n)
    const acct = await server.getAccount(kp.publicKey())
    expect(acct.sequenceNumber()).toBe(h.ledger.account(kp.publicKey())?.sequence.toString())
    await expect(server.getAccount(Keypair.random().publicKey())).rejects.toThrow(/not found/)
  })

  it('simulates a read-only call', async () => {
    const kp = fresh(42n)
    const sim = await server.simulateTransaction(await invoke(kp, 'balance', [addr(kp)]))
    expect(rpc.Api.isSimulationSuccess(sim)).toBe(true)
    if (rpc.Api.isSimulationSuccess(sim))
      expect(scValToNative(sim.result?.retval ?? nativeToScVal(null))).toBe(42n)
  })

  it('simulates, assembles, sends and confirms a transfer', async () => {
    const from = fresh(1_000n)
    const to = fresh(0n)
    const tx = await invoke(from, 'transfer', [addr(from), addr(to), nativeToScVal(250n, { type: 'i128' })])
    const prepared = await server.prepareTransaction(tx)
    prepared.sign(from)
    const sent = await server.sendTransaction(prepared)
    expect(sent.status).toBe('PENDING')
    const first = await server.getTransaction(sent.hash)
    expect(first.status).toBe('NOT_FOUND')
    const done = await server.pollTransaction(sent.hash, { attempts: 3 })
    expect(done.status).toBe('SUCCESS')
    expect(s.contract.balances.get(from.publicKey())).toBe(750n)
    expect(s.contract.balances.get(to.publicKey())).toBe(250n)
    expect(h.ledger.account(from.publicKey())?.sequence).toBe(BigInt(tx.sequence))
  })

  it.each([
    ['a transfer from someone else', 'other'],
    ['more than the balance', 'too-much'],
    ['an unknown function', 'unknown'],
  ])('refuses to simulate %s', async (_n, kind) => {
    const kp = fresh(10n)
    const other = fresh(10n)
    const args =
      kind === 'other'
        ? [addr(other), addr(kp), nativeToScVal(1n, { type: 'i128' })]
        : [addr(kp), addr(other), nativeToScVal(kind === 'too-much' ? 11n : 1n, { type: 'i128' })]
    const sim = await server.simulateTransaction(
      await invoke(kp, kind === 'unknown' ? 'mint' : 'transfer', args),
    )
    expect(rpc.Api.isSimulationError(sim)).toBe(true)
  })

  it.each([
    ['signed for another network', 'Test SDF Network ; September 2015', 'txBadAuth'],
    ['signed by a stranger', PASSPHRASE, 'txBadAuth'],
  ])('rejects a transaction %s', async (_n, passphrase, code) => {
    const kp = fresh(10n)
    const other = fresh(0n)
    const tx = await invoke(
      kp,
      'transfer',
      [addr(kp), addr(other), nativeToScVal(1n, { type: 'i128' })],
      passphrase,
    )
    tx.sign(passphrase === PASSPHRASE ? Keypair.random() : kp)
    const sent = await server.sendTransaction(tx)
    expect(sent.status).toBe('ERROR')
    expect(sent.errorResult?.result.type).toBe(code)
    expect(s.contract.balances.get(kp.publicKey())).toBe(10n)
  })
})
