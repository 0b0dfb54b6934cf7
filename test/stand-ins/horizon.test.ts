/**
 * The Horizon stand-in driven by the real stellar-sdk client: build, sign, submit, and read back. Failures
 * must come back in Horizon's problem shape with the result codes the network would give.
 */
import { Horizon } from '@stellar/stellar-sdk'
import {
  Account,
  Asset,
  type FeeBumpTransaction,
  Keypair,
  Memo,
  MuxedAccount,
  Operation,
  TransactionBuilder,
  xdr,
} from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type HorizonStandIn, startHorizon } from '../support/horizon/server.ts'

const PASSPHRASE = 'Tuxedo Stand-in Network ; 2026'
let h: HorizonStandIn
let server: Horizon.Server
let alice: Keypair
let bob: Keypair
let issuer: Keypair

beforeAll(async () => {
  h = await startHorizon({ passphrase: PASSPHRASE })
  server = new Horizon.Server(h.url, { allowHttp: true })
})
afterAll(() => h.close())
beforeEach(() => {
  h.ledger.reset()
  alice = Keypair.random()
  bob = Keypair.random()
  issuer = Keypair.random()
  h.ledger.createAccount(alice.publicKey(), '100')
  h.ledger.createAccount(bob.publicKey(), '50')
  h.ledger.createAccount(issuer.publicKey(), '20')
})

type Build = {
  source?: Keypair
  ops: xdr.Operation[]
  signers?: Keypair[]
  passphrase?: string
  seqDelta?: bigint
  fee?: string
  timeout?: number
}

function build(b: Build) {
  const source = b.source ?? alice
  const acct = h.ledger.account(source.publicKey())
  const seq = (acct?.sequence ?? 0n) + (b.seqDelta ?? 0n)
  const builder = new TransactionBuilder(new Account(source.publicKey(), seq.toString()), {
    fee: b.fee ?? '100',
    networkPassphrase: b.passphrase ?? PASSPHRASE,
  })
  for (const op of b.ops) builder.addOperation(op)
  const tx = builder.setTimeout(b.timeout ?? 30).build()
  for (const k of b.signers ?? [source]) tx.sign(k)
  return tx
}

type Problem = { type: string; title: string; status: number; extras: Record<string, unknown> }
type OfferResults = {
  offerResults?: { isFullyOpen: boolean; wasImmediatelyDeleted: boolean; wasImmediatelyFilled: boolean }[]
}

/** Submits and returns Horizon's problem body (or throws when the submission succeeded). */
async function failure(tx: ReturnType<typeof build> | FeeBumpTransaction) {
  try {
    await server.submitTransaction(tx)
  } catch (e) {
    const body = (e as { response?: { data?: unknown } }).response?.data
    if (body) return body as Problem
    throw e
  }
  throw new Error('expected the submission to fail')
}

const pay = (to: string, amount: string, asset = Asset.native()) =>
  Operation.payment({ destination: to, asset, amount })

describe('Horizon stand-in: reads', () => {
  it('serves the root with the passphrase and the account in Horizon shape', async () => {
    const root = (await (await fetch(h.url)).json()) as { network_passphrase: string }
    expect(root.network_passphrase).toBe(PASSPHRASE)
    const a = await server.loadAccount(alice.publicKey())
    expect(a.accountId()).toBe(alice.publicKey())
    expect(a.balances).toEqual([
      {
        balance: '100.0000000',
        buying_liabilities: '0.0000000',
        selling_liabilities: '0.0000000',
        asset_type: 'native',
      },
    ])
    expect(a.signers).toEqual([{ weight: 1, key: alice.publicKey(), type: 'ed25519_public_key' }])
    expect(a.thresholds).toEqual({ low_threshold: 0, med_threshold: 0, high_threshold: 0 })
  })

  it('answers a missing account with the not_found problem', async () => {
    const res = await fetch(`${h.url}/accounts/${Keypair.random().publicKey()}`)
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({
      type: 'https://stellar.org/horizon-errors/not_found',
      title: 'Resource Missing',
      status: 404,
    })
  })

  it('serves fee stats, ledgers and an empty order book the sdk parses', async () => {
    const fees = await server.feeStats()
    expect(fees.fee_charged.p50).toBe('100')
    const ledgers = await server.ledgers().order('desc').limit(1).call()
    expect(ledgers.records).toHaveLength(1)
    const book = await server.orderbook(Asset.native(), new Asset('USD', issuer.publicKey())).call()
    expect(book.bids).toEqual([])
    expect(book.asks).toEqual([])
  })
})

describe('Horizon stand-in: payments', () => {
  it('moves exactly the amount plus the fee and consumes the sequence', async () => {
    const before = h.ledger.account(alice.publicKey())?.sequence ?? 0n
    const tx = build({ ops: [pay(bob.publicKey(), '10.5')] })
    const res = await server.submitTransaction(tx)
    expect(res.successful).toBe(true)
    expect(res.hash).toBe(Buffer.from(tx.hash()).toString('hex'))
    expect(h.ledger.balances(alice.publicKey())).toEqual({ native: '89.4999900' })
    expect(h.ledger.balances(bob.publicKey())).toEqual({ native: '60.5000000' })
    expect(h.ledger.account(alice.publicKey())?.sequence).toBe(before + 1n)
    const result = xdr.TransactionResult.fromXDR(res.result_xdr, 'base64')
    expect(result.result.type).toBe('txSuccess')
    const page = await server.payments().forAccount(bob.publicKey()).call()
    expect(page.records[0]).toMatchObject({ type: 'payment', amount: '10.5000000', to: bob.publicKey() })
    const txs = await server.transactions().forAccount(alice.publicKey()).order('desc').call()
    expect(txs.records[0]?.hash).toBe(res.hash)
  })

  it('creates an account and funds through friendbot, once', async () => {
    const carol = Keypair.random()
    await server.submitTransaction(
      build({ ops: [Operation.createAccount({ destination: carol.publicKey(), startingBalance: '5' })] }),
    )
    expect(h.ledger.balances(carol.publicKey())).toEqual({ native: '5.0000000' })
    const dave = Keypair.random().publicKey()
    const first = await fetch(`${h.friendbotUrl}?addr=${dave}`)
    expect(first.status).toBe(200)
    expect(h.ledger.balances(dave)).toEqual({ native: '10000.0000000' })
    const again = await fetch(`${h.friendbotUrl}?addr=${dave}`)
    expect(again.status).toBe(400)
    expect(((await again.json()) as Problem).extras.result_codes).toEqual({
      transaction: 'tx_failed',
      operations: ['op_already_exists'],
    })
  })

  it('lists a failed transaction and its operations only with include_failed=true, as Horizon does', async () => {
    const erin = Keypair.random().publicKey()
    expect((await fetch(`${h.friendbotUrl}?addr=${erin}`)).status).toBe(200)
    // Funding twice: the second create_account fails on the ledger (tx_failed), fee charged to friendbot.
    expect((await fetch(`${h.friendbotUrl}?addr=${erin}`)).status).toBe(400)
    const list = async (kind: string, q = '') => {
      const res = await fetch(`${h.url}/accounts/${erin}/${kind}?limit=10${q}`)
      const body = (await res.json()) as { _embedded: { records: Record<string, unknown>[] } }
      return body._embedded.records.map((r) => r.successful ?? r.transaction_successful)
    }
    for (const kind of ['transactions', 'operations', 'payments']) {
      expect(await list(kind), kind).toEqual([true])
      expect(await list(kind, '&include_failed=false'), kind).toEqual([true])
      expect((await list(kind, '&include_failed=true')).sort(), kind).toEqual([false, true])
    }
  })

  it('accepts a JSON body and a muxed destination', async () => {
    const muxed = new MuxedAccount(new Account(bob.publicKey(), '0'), '42').accountId()
    expect(muxed.startsWith('M')).toBe(true)
    const tx = build({ ops: [pay(muxed, '1')] })
    const res = await fetch(`${h.url}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tx: tx.toEnvelope().toXDR('base64') }),
    })
    expect(res.status).toBe(200)
    expect(h.ledger.balances(bob.publicKey())?.native).toBe('51.0000000')
  })

  it('accepts a fee bump paid by another account', async () => {
    const inner = build({ ops: [pay(bob.publicKey(), '1')], fee: '0' })
    const bump = TransactionBuilder.buildFeeBumpTransaction(issuer, '200', inner, PASSPHRASE)
    bump.sign(issuer)
    const res = await server.submitTransaction(bump)
    expect(res.successful).toBe(true)
    expect(h.ledger.balances(alice.publicKey())?.native).toBe('99.0000000')
    expect(h.ledger.balances(issuer.publicKey())?.native).toBe('19.9999800')
  })
})

describe('Horizon stand-in: rejections', () => {
  const stranger = Keypair.random()
  const cases: [string, () => Build, string, string[]?][] = [
    [
      'signed by a stranger',
      () => ({ ops: [pay(bob.publicKey(), '1')], signers: [stranger] }),
      'tx_bad_auth',
    ],
    ['unsigned', () => ({ ops: [pay(bob.publicKey(), '1')], signers: [] }), 'tx_bad_auth'],
    [
      'signed for another network',
      () => ({ ops: [pay(bob.publicKey(), '1')], passphrase: 'Test SDF Network ; September 2015' }),
      'tx_bad_auth',
    ],
    [
      'an extra signature',
      () => ({ ops: [pay(bob.publicKey(), '1')], signers: [alice, stranger] }),
      'tx_bad_auth_extra',
    ],
    ['a stale sequence', () => ({ ops: [pay(bob.publicKey(), '1')], seqDelta: -1n }), 'tx_bad_seq'],
    ['a future sequence', () => ({ ops: [pay(bob.publicKey(), '1')], seqDelta: 5n }), 'tx_bad_seq'],
    [
      'a fee below 100 stroops per op',
      () => ({ ops: [pay(bob.publicKey(), '1'), pay(bob.publicKey(), '1')], fee: '50' }),
      'tx_insufficient_fee',
    ],
    [
      'more than the balance',
      () => ({ ops: [pay(bob.publicKey(), '100')] }),
      'tx_failed',
      ['op_underfunded'],
    ],
    ['into the reserve', () => ({ ops: [pay(bob.publicKey(), '99.5')] }), 'tx_failed', ['op_underfunded']],
    [
      'to a missing account',
      () => ({ ops: [pay(Keypair.random().publicKey(), '1')] }),
      'tx_failed',
      ['op_no_destination'],
    ],
    [
      'an asset bob does not trust',
      () => ({ source: issuer, ops: [pay(bob.publicKey(), '1', new Asset('USD', issuer.publicKey()))] }),
      'tx_failed',
      ['op_no_trust'],
    ],
    [
      'an asset alice does not hold',
      () => ({ ops: [pay(bob.publicKey(), '1', new Asset('USD', issuer.publicKey()))] }),
      'tx_failed',
      ['op_src_no_trust'],
    ],
    [
      'an op from an account that did not sign',
      () => ({
        ops: [
          Operation.payment({
            source: bob.publicKey(),
            destination: alice.publicKey(),
            asset: Asset.native(),
            amount: '1',
          }),
        ],
      }),
      'tx_bad_auth',
      ['op_bad_auth'],
    ],
    [
      'create an existing account',
      () => ({ ops: [Operation.createAccount({ destination: bob.publicKey(), startingBalance: '1' })] }),
      'tx_failed',
      ['op_already_exists'],
    ],
    [
      'create below the minimum balance',
      () => ({
        ops: [Operation.createAccount({ destination: Keypair.random().publicKey(), startingBalance: '0.5' })],
      }),
      'tx_failed',
      ['op_low_reserve'],
    ],
    [
      'one good op and one bad',
      () => ({ ops: [pay(bob.publicKey(), '1'), pay(Keypair.random().publicKey(), '1')] }),
      'tx_failed',
      ['op_success', 'op_no_destination'],
    ],
  ]

  it.each(cases)('rejects %s', async (_name, make, txCode, opCodes) => {
    const tx = build(make())
    const before = h.ledger.balances(bob.publicKey())
    const body = await failure(tx)
    expect(body).toMatchObject({
      type: 'https://stellar.org/horizon-errors/transaction_failed',
      title: 'Transaction Failed',
      status: 400,
    })
    expect(body.extras.result_codes).toEqual({
      transaction: txCode,
      ...(opCodes ? { operations: opCodes } : {}),
    })
    expect(body.extras.envelope_xdr).toBe(tx.toEnvelope().toXDR('base64'))
    expect(typeof xdr.TransactionResult.fromXDR(String(body.extras.result_xdr), 'base64').feeCharged).toBe(
      'bigint',
    )
    // Nothing reached bob, whatever the failure.
    expect(h.ledger.balances(bob.publicKey())).toEqual(before)
  })

  it('charges the fee and consumes the sequence for tx_failed only', async () => {
    await failure(build({ ops: [pay(bob.publicKey(), '1000')] }))
    expect(h.ledger.balances(alice.publicKey())?.native).toBe('99.9999900')
    await failure(build({ ops: [pay(bob.publicKey(), '1')], signers: [stranger] }))
    expect(h.ledger.balances(alice.publicKey())?.native).toBe('99.9999900')
  })

  it('rejects an expired transaction as tx_too_late', async () => {
    const tx = new TransactionBuilder(
      new Account(alice.publicKey(), String(h.ledger.account(alice.publicKey())?.sequence)),
      {
        fee: '100',
        networkPassphrase: PASSPHRASE,
        timebounds: { minTime: 0, maxTime: Math.floor(Date.now() / 1000) - 10 },
      },
    )
      .addOperation(pay(bob.publicKey(), '1'))
      .addMemo(Memo.text('late'))
      .build()
    tx.sign(alice)
    expect((await failure(tx)).extras.result_codes).toEqual({ transaction: 'tx_too_late' })
  })

  it.each([
    ['garbage', 'tx=not-xdr', 'application/x-www-form-urlencoded', 'transaction_malformed'],
    ['no tx field', 'foo=bar', 'application/x-www-form-urlencoded', 'bad_request'],
    ['bad json', '{', 'application/json', 'bad_request'],
  ])('answers %s with a 400 problem', async (_n, body, type, slug) => {
    const res = await fetch(`${h.url}/transactions`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as Problem).type).toBe(`https://stellar.org/horizon-errors/${slug}`)
  })
})

describe('Horizon stand-in: trustlines and offers', () => {
  it('adds a trustline, pays the credit asset, refuses removal with a balance, then removes it', async () => {
    const usd = new Asset('USD', issuer.publicKey())
    await server.submitTransaction(build({ ops: [Operation.changeTrust({ asset: usd, limit: '1000' })] }))
    await server.submitTransaction(build({ source: issuer, ops: [pay(alice.publicKey(), '25', usd)] }))
    expect(h.ledger.balances(alice.publicKey())).toEqual({
      native: '99.9999900',
      [`USD:${issuer.publicKey()}`]: '25.0000000',
    })
    const account = await server.loadAccount(alice.publicKey())
    expect(account.subentry_count).toBe(1)
    expect(account.balances[0]).toMatchObject({
      asset_code: 'USD',
      asset_issuer: issuer.publicKey(),
      balance: '25.0000000',
      limit: '1000.0000000',
    })
    const refused = await failure(build({ ops: [Operation.changeTrust({ asset: usd, limit: '0' })] }))
    expect(refused.extras.result_codes).toEqual({
      transaction: 'tx_failed',
      operations: ['op_invalid_limit'],
    })
    await server.submitTransaction(build({ ops: [pay(issuer.publicKey(), '25', usd)] }))
    await server.submitTransaction(build({ ops: [Operation.changeTrust({ asset: usd, limit: '0' })] }))
    expect(h.ledger.account(alice.publicKey())?.trustlines.size).toBe(0)
  })

  it('records offers on the order book and cancels them', async () => {
    const usd = new Asset('USD', issuer.publicKey())
    await server.submitTransaction(build({ ops: [Operation.changeTrust({ asset: usd })] }))
    const res = await server.submitTransaction(
      build({
        ops: [
          Operation.manageSellOffer({ selling: Asset.native(), buying: usd, amount: '10', price: '0.25' }),
        ],
      }),
    )
    expect((res as OfferResults).offerResults?.[0]?.isFullyOpen).toBe(true)
    const book = await server.orderbook(Asset.native(), usd).call()
    expect(book.asks).toEqual([{ price_r: { n: 1, d: 4 }, price: '0.2500000', amount: '10.0000000' }])
    const offers = await server.offers().forAccount(alice.publicKey()).call()
    const id = offers.records[0]?.id ?? ''
    expect(offers.records[0]).toMatchObject({
      amount: '10.0000000',
      price: '0.2500000',
      seller: alice.publicKey(),
    })
    const cancel = await server.submitTransaction(
      build({
        ops: [
          Operation.manageSellOffer({
            selling: Asset.native(),
            buying: usd,
            amount: '0',
            price: '0.25',
            offerId: id,
          }),
        ],
      }),
    )
    expect((cancel as OfferResults).offerResults?.[0]?.wasImmediatelyDeleted).toBe(true)
    expect((await server.orderbook(Asset.native(), usd).call()).asks).toEqual([])
  })

  it('crosses a new offer against the book at the maker price and records the trade', async () => {
    const usd = new Asset('USD', issuer.publicKey())
    const usdKey = `USD:${issuer.publicKey()}`
    await server.submitTransaction(build({ source: bob, ops: [Operation.changeTrust({ asset: usd })] }))
    await server.submitTransaction(build({ ops: [Operation.changeTrust({ asset: usd })] }))
    await server.submitTransaction(build({ source: issuer, ops: [pay(bob.publicKey(), '10', usd)] }))
    await server.submitTransaction(
      build({
        source: bob,
        ops: [Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '10', price: '4' })],
      }),
    )
    const res = await server.submitTransaction(
      build({
        ops: [
          Operation.manageSellOffer({ selling: Asset.native(), buying: usd, amount: '8', price: '0.25' }),
        ],
      }),
    )
    expect((res as OfferResults).offerResults?.[0]?.wasImmediatelyFilled).toBe(true)
    expect(h.ledger.balances(alice.publicKey())).toEqual({ native: '91.9999800', [usdKey]: '2.0000000' })
    expect(h.ledger.balances(bob.publicKey())).toEqual({ native: '57.9999800', [usdKey]: '8.0000000' })
    const book = await server.orderbook(usd, Asset.native()).call()
    expect(book.asks).toEqual([{ price_r: { n: 4, d: 1 }, price: '4.0000000', amount: '8.0000000' }])
    const trades = await server.trades().forAccount(alice.publicKey()).call()
    expect(trades.records).toHaveLength(1)
    expect(trades.records[0]).toMatchObject({
      base_amount: '2.0000000',
      counter_amount: '8.0000000',
      base_account: bob.publicKey(),
    })
    const self = await failure(
      build({
        source: bob,
        ops: [
          Operation.manageSellOffer({ selling: Asset.native(), buying: usd, amount: '4', price: '0.25' }),
        ],
      }),
    )
    expect(self.extras.result_codes).toEqual({ transaction: 'tx_failed', operations: ['op_cross_self'] })
  })

  it('converts path payments at the configured rate', async () => {
    const usd = new Asset('USD', issuer.publicKey())
    await server.submitTransaction(build({ source: bob, ops: [Operation.changeTrust({ asset: usd })] }))
    h.ledger.setRate({ type: 'native' }, { type: 'credit', code: 'USD', issuer: issuer.publicKey() }, '0.1')
    await server.submitTransaction(
      build({
        ops: [
          Operation.pathPaymentStrictSend({
            sendAsset: Asset.native(),
            sendAmount: '10',
            destination: bob.publicKey(),
            destAsset: usd,
            destMin: '1',
            path: [],
          }),
        ],
      }),
    )
    expect(h.ledger.balances(bob.publicKey())?.[`USD:${issuer.publicKey()}`]).toBe('1.0000000')
    const under = await failure(
      build({
        ops: [
          Operation.pathPaymentStrictSend({
            sendAsset: Asset.native(),
            sendAmount: '10',
            destination: bob.publicKey(),
            destAsset: usd,
            destMin: '2',
            path: [],
          }),
        ],
      }),
    )
    expect(under.extras.result_codes).toEqual({ transaction: 'tx_failed', operations: ['op_under_dest_min'] })
  })
})

describe('Horizon stand-in: reliability hooks', () => {
  it('fails the next requests on demand, then recovers', async () => {
    h.ledger.failNext(2, 503)
    expect((await fetch(`${h.url}/fee_stats`)).status).toBe(503)
    const second = await fetch(`${h.url}/fee_stats`)
    expect(second.status).toBe(503)
    expect(((await second.json()) as Problem).type).toBe('https://stellar.org/horizon-errors/stale_history')
    expect((await fetch(`${h.url}/fee_stats`)).status).toBe(200)
  })

  it('adds latency to every response', async () => {
    h.ledger.setLatencyMs(60)
    const t0 = performance.now()
    await fetch(`${h.url}/fee_stats`)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55)
  })
})
