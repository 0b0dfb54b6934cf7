import { Account, Asset, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import type { HorizonAccount } from '../../../edge/stellar/horizon-schemas.ts'
import { accountsNamed, previewClassic } from '../../../edge/stellar/simulate.ts'

const PASS = 'Tuxedo Simulate Test ; 1'
const RESERVE = 5_000_000n
const src = Keypair.random().publicKey()
const dst = Keypair.random().publicKey()
const stranger = Keypair.random().publicKey()
const issuer = Keypair.random().publicKey()
const USD = new Asset('USD', issuer)
const usdKey = `USD:${issuer}`

type Bal = { asset: 'native' | 'USD'; balance: string; authorized?: boolean }
const account = (id: string, balances: Bal[], subentries = 0, sequence = '100'): HorizonAccount => ({
  account_id: id,
  sequence,
  subentry_count: subentries,
  balances: balances.map((b) =>
    b.asset === 'native'
      ? { asset_type: 'native', balance: b.balance }
      : {
          asset_type: 'credit_alphanum4',
          asset_code: 'USD',
          asset_issuer: issuer,
          balance: b.balance,
          limit: '1000000',
          is_authorized: b.authorized ?? true,
        },
  ),
})

const build = (ops: ReturnType<typeof Operation.payment>[], seq = '100', fee = '100') => {
  const b = new TransactionBuilder(new Account(src, seq), { fee, networkPassphrase: PASS }).setTimeout(60)
  for (const op of ops) b.addOperation(op)
  return b.build()
}

const state = (accounts: HorizonAccount[]) => ({
  accounts: new Map(accounts.map((a) => [a.account_id, a])),
  baseReserveStroops: RESERVE,
})

const pay = (amount: string, to = dst, asset = Asset.native()) =>
  Operation.payment({ destination: to, asset, amount })

describe('previewClassic: transactions that would succeed', () => {
  it('a native payment: the leg, the fee, and what stays', () => {
    const r = previewClassic(
      build([pay('10')]),
      state([
        account(src, [{ asset: 'native', balance: '100' }]),
        account(dst, [{ asset: 'native', balance: '1' }]),
      ]),
    )
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.legs).toEqual([{ kind: 'payment', from: src, to: dst, asset: 'native', amount: '10' }])
    expect(r.value.fee).toBe('0.00001')
    expect(r.value.sourceAfter).toEqual({ native: '89.99999' })
    expect(r.value.reserve).toEqual({ subentriesDelta: 0, minimumBalanceAfter: '1' })
  })

  it('create_account for a new address, then a payment to it in the same transaction', () => {
    const fresh = Keypair.random().publicKey()
    const r = previewClassic(
      build([Operation.createAccount({ destination: fresh, startingBalance: '5' }), pay('1', fresh)]),
      state([account(src, [{ asset: 'native', balance: '20' }])]),
    )
    expect(r.ok && r.value.createsAccounts).toEqual([fresh])
    expect(r.ok && r.value.sourceAfter.native).toBe('13.99998') // 20 − 5 − 1 − fee (2 ops × 100 stroops)
  })

  it('an issued-asset payment to a holder of the trustline; adding a trustline raises the reserve', () => {
    const r = previewClassic(
      build([pay('50', dst, USD), Operation.changeTrust({ asset: new Asset('EUR', issuer) })]),
      state([
        account(
          src,
          [
            { asset: 'native', balance: '10' },
            { asset: 'USD', balance: '60' },
          ],
          1,
        ),
        account(dst, [
          { asset: 'native', balance: '5' },
          { asset: 'USD', balance: '0' },
        ]),
      ]),
    )
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.sourceAfter[usdKey]).toBe('10')
    expect(r.value.reserve).toEqual({ subentriesDelta: 1, minimumBalanceAfter: '2' })
  })

  it('names every account it needs, muxed destinations by their base account', () => {
    const tx = build([pay('1'), Operation.createAccount({ destination: stranger, startingBalance: '2' })])
    expect(accountsNamed(tx).sort()).toEqual([src, dst, stranger].sort())
  })
})

describe('previewClassic: transactions that would fail stop here', () => {
  const funded = (native = '100') => account(src, [{ asset: 'native', balance: native }])
  const dest = account(dst, [{ asset: 'native', balance: '1' }])
  it.each([
    ['source not on the ledger', build([pay('1')]), state([dest]), /source account .* does not exist/],
    ['stale sequence', build([pay('1')], '99'), state([funded(), dest]), /sequence number is stale/],
    ['destination missing', build([pay('1')]), state([funded()]), /destination .* does not exist/],
    [
      'create_account on an existing account',
      build([Operation.createAccount({ destination: dst, startingBalance: '5' })]),
      state([funded(), dest]),
      /already exists/,
    ],
    [
      'starting balance below two reserves',
      build([Operation.createAccount({ destination: stranger, startingBalance: '0.5' })]),
      state([funded()]),
      /needs at least 1 XLM/,
    ],
    [
      'native payment that eats into the reserve',
      build([pay('99.5')]),
      state([funded(), dest]),
      /not enough XLM/,
    ],
    ['fee alone breaks the reserve', build([pay('99')]), state([funded(), dest]), /not enough XLM/],
    [
      'new trustline pushes the minimum above what is left',
      build([pay('98.6'), Operation.changeTrust({ asset: USD })]),
      state([funded(), dest]),
      /not enough XLM/,
    ],
    [
      'issued asset the source does not hold',
      build([pay('1', dst, USD)]),
      state([
        funded(),
        account(dst, [
          { asset: 'native', balance: '1' },
          { asset: 'USD', balance: '0' },
        ]),
      ]),
      /source holds no USD/,
    ],
    [
      'issued asset above the balance',
      build([pay('70', dst, USD)]),
      state([
        account(
          src,
          [
            { asset: 'native', balance: '10' },
            { asset: 'USD', balance: '60' },
          ],
          1,
        ),
        account(dst, [
          { asset: 'native', balance: '1' },
          { asset: 'USD', balance: '0' },
        ]),
      ]),
      /not enough USD/,
    ],
    [
      'destination without the trustline',
      build([pay('1', dst, USD)]),
      state([
        account(
          src,
          [
            { asset: 'native', balance: '10' },
            { asset: 'USD', balance: '60' },
          ],
          1,
        ),
        dest,
      ]),
      /no trustline for USD/,
    ],
    [
      'destination not authorised',
      build([pay('1', dst, USD)]),
      state([
        account(
          src,
          [
            { asset: 'native', balance: '10' },
            { asset: 'USD', balance: '60' },
          ],
          1,
        ),
        account(dst, [
          { asset: 'native', balance: '1' },
          { asset: 'USD', balance: '0', authorized: false },
        ]),
      ]),
      /not authorised to hold USD/,
    ],
    [
      'source not authorised to send',
      build([pay('1', dst, USD)]),
      state([
        account(
          src,
          [
            { asset: 'native', balance: '10' },
            { asset: 'USD', balance: '60', authorized: false },
          ],
          1,
        ),
        account(dst, [
          { asset: 'native', balance: '1' },
          { asset: 'USD', balance: '0' },
        ]),
      ]),
      /not authorised to send USD/,
    ],
    [
      'removing a trustline that holds a balance',
      build([Operation.changeTrust({ asset: USD, limit: '0' })]),
      state([
        account(
          src,
          [
            { asset: 'native', balance: '10' },
            { asset: 'USD', balance: '3' },
          ],
          1,
        ),
      ]),
      /still holds a balance/,
    ],
    [
      'removing a trustline that does not exist',
      build([Operation.changeTrust({ asset: USD, limit: '0' })]),
      state([funded()]),
      /no such trustline/,
    ],
    [
      'an operation sourced from someone else',
      build([Operation.payment({ destination: dst, asset: Asset.native(), amount: '1', source: stranger })]),
      state([funded(), dest, account(stranger, [{ asset: 'native', balance: '50' }])]),
      /source other than the signing account/,
    ],
  ])('%s', (_label, tx, st, message) => {
    const r = previewClassic(tx, st)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('ERR_TX_SIMULATION_FAILED')
    expect(r.error.message).toMatch(message)
  })
})
