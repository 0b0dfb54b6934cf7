/**
 * edge/stellar/payments.ts: Horizon's payment records (GET /accounts/:id/payments, shaped as Horizon's API
 * reference gives them) as the account sees them — which way, how much of what, and the other party. The
 * odd and malformed rows outnumber the good ones: a record that is not this account's payment, or whose
 * amount is not a decimal, is never guessed at.
 */
import { describe, expect, it } from 'vitest'
import { type PaymentRecord, PaymentRecordSchema, paymentView } from '../../../edge/stellar/payments.ts'

const ME = 'GCEZWKCA5VLDNRLN3RPRJMRZOX3Z6G5CHCGSNFHEYVXM3XOJMDS674JZ'
const YOU = 'GAIH3ULLFQ4DGSECF2AR555KZ4KNDGEKN4AFI4SU2M7B43MGK3QJZNSR'
const USDC = 'GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5'
const HASH = 'b9d0b2292c4e09e8eb22d036171491e87b8d2086bf8b265874c8d182cb9c9020'

/** A record as Horizon serves it (the fields every record has, then the type's own). */
const rec = (fields: Record<string, unknown>): PaymentRecord =>
  PaymentRecordSchema.parse({
    id: '12884905985',
    paging_token: '12884905985',
    transaction_successful: true,
    source_account: ME,
    type_i: 1,
    created_at: '2026-12-01T12:00:00Z',
    transaction_hash: HASH,
    ...fields,
  })

describe('paymentView', () => {
  it.each([
    [
      'a payment this account sent',
      rec({ type: 'payment', asset_type: 'native', from: ME, to: YOU, amount: '10.0000000' }),
      { kind: 'payment', direction: 'sent', amount: '10.0000000', asset: 'native', counterparty: YOU },
    ],
    [
      'a USDC payment it received',
      rec({
        type: 'payment',
        source_account: YOU,
        asset_type: 'credit_alphanum4',
        asset_code: 'USDC',
        asset_issuer: USDC,
        from: YOU,
        to: ME,
        amount: '2.5000000',
      }),
      { direction: 'received', amount: '2.5000000', asset: `USDC:${USDC}`, counterparty: YOU },
    ],
    [
      'the account created by friendbot',
      rec({
        type: 'create_account',
        type_i: 0,
        source_account: YOU,
        funder: YOU,
        account: ME,
        starting_balance: '10000.0000000',
      }),
      {
        kind: 'create_account',
        direction: 'received',
        amount: '10000.0000000',
        asset: 'native',
        counterparty: YOU,
      },
    ],
    [
      'a path payment sent: what left, and what arrived',
      rec({
        type: 'path_payment_strict_send',
        type_i: 13,
        from: ME,
        to: YOU,
        asset_type: 'credit_alphanum4',
        asset_code: 'USDC',
        asset_issuer: USDC,
        amount: '9.8000000',
        source_asset_type: 'native',
        source_amount: '10.0000000',
      }),
      {
        kind: 'path_payment',
        direction: 'sent',
        amount: '10.0000000',
        asset: 'native',
        otherAmount: '9.8000000',
        otherAsset: `USDC:${USDC}`,
      },
    ],
    [
      'a merge into this account (Horizon gives no amount)',
      rec({ type: 'account_merge', type_i: 8, source_account: YOU, account: YOU, into: ME }),
      { kind: 'account_merge', direction: 'received', amount: null, counterparty: YOU },
    ],
    [
      'a failed payment stays a payment, marked unsuccessful',
      rec({
        type: 'payment',
        transaction_successful: false,
        asset_type: 'native',
        from: ME,
        to: YOU,
        amount: '1.0000000',
      }),
      { successful: false, direction: 'sent' },
    ],
  ])('%s', (_label, record, want) => {
    expect(paymentView(record, ME)).toMatchObject({ hash: HASH, successful: true, ...want })
  })

  it.each([
    [
      'another account’s payment',
      rec({ type: 'payment', asset_type: 'native', from: YOU, to: USDC, amount: '1.0000000' }),
    ],
    ['a payment with no asset fields', rec({ type: 'payment', from: ME, to: YOU, amount: '1.0000000' })],
    [
      'an issued asset without its issuer',
      rec({
        type: 'payment',
        asset_type: 'credit_alphanum4',
        asset_code: 'USDC',
        from: ME,
        to: YOU,
        amount: '1',
      }),
    ],
    ['an operation that moves nothing', rec({ type: 'change_trust', type_i: 6, trustor: ME })],
    [
      'a path payment without its source asset',
      rec({
        type: 'path_payment_strict_receive',
        from: ME,
        to: YOU,
        asset_type: 'native',
        amount: '1.0000000',
      }),
    ],
    [
      'a creation of someone else',
      rec({ type: 'create_account', funder: YOU, account: USDC, starting_balance: '1.0000000' }),
    ],
    ['an unknown type', rec({ type: 'invoke_host_function', type_i: 24 })],
  ])('%s → not a payment of this account', (_label, record) => {
    expect(paymentView(record, ME)).toBeUndefined()
  })

  it.each([
    ['a float-looking amount', '1e3'],
    ['a negative amount', '-5.0000000'],
    ['more than 7 decimals', '1.00000001'],
    ['a comma', '1,5'],
    ['empty', ''],
  ])('%s is not passed on as an amount (null), never reinterpreted', (_label, amount) => {
    const v = paymentView(rec({ type: 'payment', asset_type: 'native', from: ME, to: YOU, amount }), ME)
    expect(v?.amount).toBeNull()
  })
})
