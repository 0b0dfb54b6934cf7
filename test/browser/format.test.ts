/**
 * Words for people (edge/web/format.ts), pure and without a browser: amounts grouped and trimmed by string
 * arithmetic (never a float), stroops to XLM, asset and operation names, the signer's reason and error
 * codes in sentences. Known answers; the bad and odd rows outnumber the good ones.
 */
import { describe, expect, it } from 'vitest'
import { stateOf } from '../../edge/web/approvals.ts'
import { amount, assetLabel, opName, reasonText, sentence, short, stroops } from '../../edge/web/format.ts'

describe('amount', () => {
  it.each([
    ['10000.0000000', '10,000'],
    ['150', '150'],
    ['0.0000100', '0.00001'],
    ['9844.9999800', '9,844.99998'],
    ['1234567890.1234567', '1,234,567,890.1234567'],
    ['-1000.5000000', '-1,000.5'],
    ['0000012.0', '12'],
    ['0', '0'],
    ['0.0000000', '0'],
    // Not a decimal: shown as it came, never reinterpreted (no float parsing, no NaN).
    ['1e21', '1e21'],
    ['12,5', '12,5'],
    ['', ''],
    ['abc', 'abc'],
    ['1.2.3', '1.2.3'],
    ['99999999999999999999.0000001', '99,999,999,999,999,999,999.0000001'],
  ])('%s → %s', (input, want) => {
    expect(amount(input)).toBe(want)
  })
})

describe('stroops', () => {
  it.each([
    ['100', '0.00001'],
    ['10000000', '1'],
    ['12345678901', '1,234.5678901'],
    ['0', '0'],
    ['-100', '-100'],
    ['1.5', '1.5'],
    ['', ''],
  ])('%s → %s', (input, want) => {
    expect(stroops(input)).toBe(want)
  })
})

describe('labels', () => {
  it.each([
    ['native', 'XLM'],
    ['USDC:GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN', 'USDC'],
    ['XLM', 'XLM'],
    [
      'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC',
      'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC',
    ],
  ])('asset %s → %s', (input, want) => {
    expect(assetLabel(input)).toBe(want)
  })
  it.each([
    ['payment', 'Send'],
    ['create_account', 'Create account'],
    ['path_payment_strict_send', 'Swap and send'],
    ['account_merge', 'Close account'],
    ['set_options', 'Set options'],
    ['weird-kind', 'Weird kind'],
  ])('operation %s → %s', (input, want) => {
    expect(opName(input)).toBe(want)
  })
  it('shortens long keys only', () => {
    expect(short('GABCDEFGHIJKLMNOPQRSTUVWXYZ234567')).toBe('GABCDE…234567')
    expect(short('Savings')).toBe('Savings')
  })
})

describe('reasonText and sentence', () => {
  it.each([
    [
      '150 of native is above the approval threshold',
      '150 XLM is above your automatic limit, so it needs your approval.',
    ],
    [
      '10000.5 of USDC:GISSUER is above the approval threshold',
      '10,000.5 USDC is above your automatic limit, so it needs your approval.',
    ],
    ['needs a second look', 'needs a second look'],
    ['150 of native exceeds the daily cap', '150 of native exceeds the daily cap'],
  ])('%s', (input, want) => {
    expect(reasonText(input)).toBe(want)
  })
  it('maps codes to sentences and leaves unknown codes to the server’s message', () => {
    expect(sentence('ERR_TOOL_INPUT')).toMatch(/^The assistant asked for something malformed/)
    expect(sentence('ERR_APPROVAL_INVALID')).toBe('This approval was already decided.')
    expect(sentence('ERR_SOMETHING_NEW')).toBeUndefined()
  })
  // The signer's rollback and tamper refusals (shared/errors.ts): both say nothing was signed.
  it.each<[string, RegExp | undefined]>([
    [
      'ERR_SIGNER_ROLLED_BACK',
      /^The signing service’s records went back to an older state, .*nothing was signed/,
    ],
    [
      'ERR_SIGNER_STORE_TAMPERED',
      /^The signing service found its stored records altered .*nothing was signed/,
    ],
    ['ERR_SIGNER_UNTRUSTED', /^The signing service could not prove what code it runs/],
    ['err_signer_rolled_back', undefined],
    ['ERR_SIGNER_ROLLED_BACK ', undefined],
    ['ERR_SIGNER_STORE', undefined],
    ['ERR_SIGNER', undefined],
    ['', undefined],
    ['constructor', undefined],
    ['toString', undefined],
    ['__proto__', undefined],
  ])('sentence(%j)', (code, want) => {
    const got = sentence(code)
    if (want === undefined) expect(got).toBeUndefined()
    else expect(got).toMatch(want)
  })
})

describe('stateOf: what the approval card says', () => {
  const later = new Date(Date.now() + 60_000).toISOString()
  const earlier = new Date(Date.now() - 60_000).toISOString()
  const step = (status: 'pending' | 'submitted' | 'rejected') => ({
    callId: 'c',
    approvalId: 'apr_x',
    status,
    txHash: null,
    ledger: null,
    fee: null,
    updatedAt: earlier,
  })
  it.each<[string, string, ReturnType<typeof step> | undefined, string]>([
    ['pending', later, undefined, 'pending'],
    ['pending', earlier, undefined, 'expired'],
    ['used', later, undefined, 'submitted'],
    ['approved', later, undefined, 'approved'],
    ['approved', later, step('submitted'), 'submitted'],
    ['rejected', later, undefined, 'rejected'],
    ['pending', later, step('rejected'), 'rejected'],
    ['expired', later, undefined, 'expired'],
    ['expired', later, step('pending'), 'expired'],
  ])('signer %s, expires %s, step %o → %s', (status, expiresAt, s, want) => {
    expect(stateOf({ status, expiresAt }, s)).toBe(want)
  })
})
