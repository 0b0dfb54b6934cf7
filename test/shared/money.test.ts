import { describe, expect, it } from 'vitest'
import {
  AmountSchema,
  AssetCodeSchema,
  AssetSchema,
  amountSchema,
  assetKey,
  fromStroops,
  MAX_STROOPS,
  toStroops,
} from '../../shared/schemas/money.ts'

const ISSUER = 'GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN'

describe('Amount', () => {
  it.each([
    ['1', 10_000_000n],
    ['10', 100_000_000n],
    ['0.5', 5_000_000n],
    ['0.0000001', 1n],
    ['1.1234567', 11_234_567n],
    ['922337203685.4775807', MAX_STROOPS],
    ['100.10', 1_001_000_000n],
  ])('accepts %s as %s stroops', (input, stroops) => {
    expect(AmountSchema.parse(input)).toBe(input)
    expect(toStroops(input)).toBe(stroops)
  })

  it.each([
    ['1e3', /exponent/],
    ['1E3', /exponent/],
    ['0x10', /decimal number/],
    [' 5', /whitespace/],
    ['5 ', /whitespace/],
    ['-1', /positive/],
    ['+1', /sign/],
    ['1.12345678', /more than 7 decimal places/],
    ['NaN', /decimal string/],
    ['Infinity', /decimal string/],
    ['', /empty/],
    ['0', /greater than zero/],
    ['0.0000000', /greater than zero/],
    ['.5', /decimal string/],
    ['5.', /decimal string/],
    ['01', /decimal string/],
    ['1,5', /decimal string/],
    ['1_000', /decimal string/],
    ['١٢', /decimal string/],
    ['922337203685.4775808', /at most/],
    ['99999999999999999999', /at most/],
  ])('rejects %j', (input, message) => {
    const r = AmountSchema.safeParse(input)
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.message).toMatch(message)
  })

  it.each([[10], [0.1], [null], [undefined], [{}], [10n]])('rejects the non-string %s', (input) => {
    const r = AmountSchema.safeParse(input)
    expect(r.success).toBe(false)
  })

  it('applies a configured maximum', () => {
    const small = amountSchema(toStroops('100'))
    expect(small.safeParse('100').success).toBe(true)
    expect(small.safeParse('100.0000001').error?.issues[0]?.message).toBe('amount must be at most 100')
  })

  it.each([
    [1n, '0.0000001'],
    [10_000_000n, '1'],
    [15_000_000n, '1.5'],
    [MAX_STROOPS, '922337203685.4775807'],
    [-5_000_000n, '-0.5'],
    [0n, '0'],
  ])('formats %s stroops as %s and back', (stroops, text) => {
    expect(fromStroops(stroops)).toBe(text)
    if (stroops > 0n) expect(toStroops(text)).toBe(stroops)
  })

  it('round-trips every stroop count in a sweep without loss', () => {
    for (let s = 1n; s < 3_000n; s += 7n) {
      const big = s * 1_234_567n
      expect(toStroops(fromStroops(big))).toBe(big)
    }
  })
})

describe('AssetCode and Asset', () => {
  it.each(['USDC', 'A', 'ABCDEFGHIJKL', 'yXLM2'])('accepts code %s', (code) => {
    expect(AssetCodeSchema.safeParse(code).success).toBe(true)
  })
  it.each(['', 'ABCDEFGHIJKLM', 'US DC', 'USD-C', 'ÜSD', 'USD\n', 'US$'])('rejects code %j', (code) => {
    expect(AssetCodeSchema.safeParse(code).success).toBe(false)
  })

  it.each([[{ type: 'native' }], [{ type: 'credit', code: 'USDC', issuer: ISSUER }]])(
    'accepts asset %j',
    (a) => {
      expect(AssetSchema.safeParse(a).success).toBe(true)
    },
  )
  it.each([
    [{ type: 'native', code: 'XLM' }],
    [{ type: 'credit', code: 'USDC' }],
    [{ type: 'credit', code: 'USDC', issuer: 'GABC' }],
    [{ type: 'credit', code: 'USDC', issuer: `${ISSUER.slice(0, -1)}A` }],
    [{ type: 'credit', code: 'XLM', issuer: ISSUER }],
    [{ type: 'credit', code: 'xlm', issuer: ISSUER }],
    [{ type: 'token', code: 'USDC', issuer: ISSUER }],
    ['native'],
  ])('rejects asset %j', (a) => {
    expect(AssetSchema.safeParse(a).success).toBe(false)
  })

  it('keys assets canonically', () => {
    expect(assetKey({ type: 'native' })).toBe('native')
    expect(assetKey({ type: 'credit', code: 'USDC', issuer: ISSUER })).toBe(`USDC:${ISSUER}`)
  })
})
