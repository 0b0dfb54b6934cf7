/**
 * Blend `submit`/`claim` encodings. The Request vector below is written out by hand from the Stellar XDR
 * definitions (SCV_MAP = 17, SCV_SYMBOL = 15, SCV_ADDRESS = 18, SC_ADDRESS_TYPE_CONTRACT = 1, SCV_I128 = 10,
 * SCV_U32 = 3), not produced by the code under test: sorted keys `address`, `amount`, `request_type`, and
 * 100 USDC (7 decimals) as i128 1_000_000_000.
 */
import { Address, Keypair, StrKey, type xdr } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import {
  type BlendRequest,
  bTokenId,
  claimOperation,
  dTokenId,
  REQUEST_TYPES,
  requestScVal,
  submitOperation,
} from '../../edge/defi/blend/requests.ts'
import { decimalToFixed } from '../../edge/defi/fixed-math.ts'

const USDC = 'CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75' // Blend mainnet USDC (blend-utils)
const POOL = 'CAJJZSGMMM3PD7N33TAPHGBUGTB43OC73HVIK2L2G6BNGGGYOSSYBXBD' // FixedV2
const USER = Keypair.fromRawEd25519Seed(new Uint8Array(32).fill(1)).publicKey()

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
const sym = (s: string) =>
  hex(new Uint8Array([0, 0, 0, 15, 0, 0, 0, s.length])) +
  hex(new TextEncoder().encode(s)) +
  '00'.repeat((4 - (s.length % 4)) % 4)

describe('Request encoding (known answer)', () => {
  it('supplies 100 USDC as collateral: sorted ScMap, i128 in the token decimals', () => {
    const amount = decimalToFixed('100', 7)
    expect(amount).toBe(1_000_000_000n)
    const v = requestScVal({ kind: 'supplyCollateral', asset: USDC, amount: amount ?? 0n })
    if (!v.ok) throw new Error(v.error.message)
    const expected =
      '00000011' + // SCV_MAP
      '00000001' + // map present
      '00000003' + // three entries
      sym('address') +
      '00000012' + // SCV_ADDRESS
      '00000001' + // contract
      hex(StrKey.decodeContract(USDC)) +
      sym('amount') +
      '0000000a' + // SCV_I128
      '0000000000000000' + // hi
      '000000003b9aca00' + // lo = 1_000_000_000
      sym('request_type') +
      '00000003' + // SCV_U32
      '00000002' // SupplyCollateral
    expect(hex(v.value.toXDR())).toBe(expected)
  })

  it.each([
    ['supply', 0],
    ['withdraw', 1],
    ['supplyCollateral', 2],
    ['withdrawCollateral', 3],
    ['borrow', 4],
    ['repay', 5],
  ] as const)('%s is request type %i (pool/src/pool/actions.rs RequestType)', (kind, n) => {
    expect(REQUEST_TYPES[kind]).toBe(n)
    const v = requestScVal({ kind, asset: USDC, amount: 1n })
    if (!v.ok) throw new Error(v.error.message)
    const entries = v.value.type === 'scvMap' ? (v.value.map ?? []) : []
    expect(entries.map((e) => (e.key.type === 'scvSymbol' ? e.key.sym.toString() : ''))).toEqual([
      'address',
      'amount',
      'request_type',
    ])
    const last = entries[2]?.val
    expect(last?.type === 'scvU32' ? last.u32 : undefined).toBe(n)
  })

  it.each([
    ['a zero amount', { kind: 'supply', asset: USDC, amount: 0n }],
    ['a negative amount', { kind: 'supply', asset: USDC, amount: -1n }],
    ['an amount past i128', { kind: 'supply', asset: USDC, amount: 1n << 127n }],
    ['an account as the asset', { kind: 'supply', asset: USER, amount: 1n }],
    ['a garbled asset', { kind: 'supply', asset: 'CCW67TSZV3SSS2HXMBQ5JFGCKJNX', amount: 1n }],
    ['an unknown request type', { kind: 'fillAuction', asset: USDC, amount: 1n }],
    ['a prototype key as type', { kind: 'toString', asset: USDC, amount: 1n }],
  ])('refuses %s with ERR_VALIDATION', (_n, r) => {
    const v = requestScVal(r as BlendRequest)
    expect(v.ok).toBe(false)
    if (!v.ok) expect(v.error.code).toBe('ERR_VALIDATION')
  })
})

describe('submit and claim operations', () => {
  const args = (op: xdr.Operation) => {
    const body = op.body
    if (body.type !== 'invokeHostFunction') throw new Error('not a contract call')
    const f = body.invokeHostFunctionOp.hostFunction
    if (f.type !== 'hostFunctionTypeInvokeContract') throw new Error('not invokeContract')
    return { fn: f.invokeContract.functionName.toString(), args: f.invokeContract.args }
  }

  it('submit(from = spender = to = user, [requests])', () => {
    const op = submitOperation(POOL, USER, [{ kind: 'supply', asset: USDC, amount: 1_000_000_000n }])
    if (!op.ok) throw new Error(op.error.message)
    const { fn, args: a } = args(op.value)
    expect(fn).toBe('submit')
    expect(a).toHaveLength(4)
    const who = new Address(USER).toScVal().toXDR('base64')
    for (const i of [0, 1, 2]) expect(a[i]?.toXDR('base64')).toBe(who)
    const reqs = a[3]
    expect(reqs?.type === 'scvVec' ? reqs.vec?.length : undefined).toBe(1)
  })

  it('claim(from, [ids], to) with d = 2i, b = 2i + 1', () => {
    expect([dTokenId(1), bTokenId(1)]).toEqual([2, 3])
    const op = claimOperation(POOL, USER, [bTokenId(0), bTokenId(1)])
    if (!op.ok) throw new Error(op.error.message)
    const { fn, args: a } = args(op.value)
    expect(fn).toBe('claim')
    const ids = a[1]
    expect(ids?.type === 'scvVec' ? ids.vec?.map((v) => (v.type === 'scvU32' ? v.u32 : -1)) : []).toEqual([
      1, 3,
    ])
  })

  it.each([
    ['submit with no requests', () => submitOperation(POOL, USER, [])],
    [
      'submit to an account as pool',
      () => submitOperation(USER, USER, [{ kind: 'supply', asset: USDC, amount: 1n }]),
    ],
    [
      'submit for a contract as user',
      () => submitOperation(POOL, POOL, [{ kind: 'supply', asset: USDC, amount: 1n }]),
    ],
    [
      'submit with one bad request among good',
      () =>
        submitOperation(POOL, USER, [
          { kind: 'supply', asset: USDC, amount: 1n },
          { kind: 'borrow', asset: USDC, amount: 0n },
        ]),
    ],
    ['claim with no ids', () => claimOperation(POOL, USER, [])],
    ['claim with a negative id', () => claimOperation(POOL, USER, [-1])],
    ['claim with a fractional id', () => claimOperation(POOL, USER, [1.5])],
    ['claim from a bad pool', () => claimOperation('Cnope', USER, [1])],
  ])('refuses %s', (_n, f) => {
    const r = f()
    expect(r.ok).toBe(false)
  })
})

describe('decimalToFixed (amounts in the token decimals)', () => {
  it.each([
    ['100', 7, 1_000_000_000n],
    ['0.0000001', 7, 1n],
    ['1', 18, 10n ** 18n],
  ])('%s at %i decimals = %s', (s, d, want) => expect(decimalToFixed(s, d)).toBe(want))
  it.each([
    ['too many places', '0.00000001', 7],
    ['a sign', '-1', 7],
    ['a plus sign', '+1', 7],
    ['exponent', '1e7', 7],
    ['empty', '', 7],
    ['leading zero', '01', 7],
    ['spaces', ' 1', 7],
  ])('refuses %s', (_n, s, d) => expect(decimalToFixed(s, d)).toBeUndefined())
})
