/**
 * The edge's quote checks on real TDX evidence (../shared/fixtures/attestation, from Phala's dcap-qvl): it
 * verifies UpToDate with Intel's root at a "now" inside the collateral's window, and every deviation — a later
 * "now", one flipped byte, a TCB status not on the list, another report data — is refused (the measurement pins
 * are tested on the complete dstack evidence, dstack-evidence.test.ts).
 */
import { readFileSync } from 'node:fs'
import type { Collateral } from '@phala/dcap-qvl'
import { describe, expect, it } from 'vitest'
import { dcapVerifier } from '../../edge/attestation/dcap.ts'
import { type QuotePolicy, verifyQuote } from '../../edge/attestation/quote.ts'
import { fromHex } from '../../shared/attestation.ts'

const DIR = new URL('../../../shared/fixtures/attestation/', import.meta.url)
const QUOTE = new Uint8Array(readFileSync(new URL('tdx_quote.bin', DIR)))
const COLLATERAL = JSON.parse(readFileSync(new URL('tdx_quote_collateral.json', DIR), 'utf8')) as Collateral
/** 2025-07-04: inside the collateral's issueDate..nextUpdate (nextUpdate 2025-07-19). */
const PINNED_NOW = 1751624655
const AFTER_EXPIRY = Date.UTC(2025, 6, 20) / 1000

const REGISTERS = {
  mrtd: '91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7',
  rtmr0: '44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c48aca29b220b80b6a540cf994b9bc9c0',
  rtmr1: '0084452c01668329d4bc06acdf58a7205c26743304509973949e5619bf81a6a7aea8c323c173019b3093d54e579e9378',
  rtmr2: 'd833feef2cd945148aa38ead2c53e9b7f138190aaaebfc551dccd829fc207aa3ba80b70870d7330733642e01d48c3132',
}
/** The fixture binds someone else's data, not a key of ours: the check must still compare it exactly. */
const FIXTURE_REPORT_DATA =
  fromHex(
    '9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20',
  ) ?? new Uint8Array(64)

const policy = (statuses = ['UpToDate']): QuotePolicy => ({
  allowedTcbStatuses: statuses,
  deniedAdvisoryIds: [],
})

const intel = dcapVerifier()

const flipped = (offset: number): Uint8Array => {
  const q = QUOTE.slice()
  q[offset] = (q[offset] ?? 0) ^ 0x01
  return q
}

describe('real TDX quote with Intel root CA', () => {
  it('verifies UpToDate at the pinned time with the known registers and report data', () => {
    const r = verifyQuote(QUOTE, COLLATERAL, PINNED_NOW, FIXTURE_REPORT_DATA, policy(), intel)
    expect(r.ok && r.value.status).toBe('UpToDate')
    expect(
      r.ok && {
        mrtd: r.value.td.mrtd,
        rtmr0: r.value.td.rtmr0,
        rtmr1: r.value.td.rtmr1,
        rtmr2: r.value.td.rtmr2,
      },
    ).toEqual(REGISTERS)
  })

  type Row = [string, Uint8Array, number, Uint8Array, QuotePolicy, string, RegExp]
  const rows: Row[] = [
    ['collateral expired', QUOTE, AFTER_EXPIRY, FIXTURE_REPORT_DATA, policy(), 'quote', /expired/],
    ['collateral not yet issued', QUOTE, 1_600_000_000, FIXTURE_REPORT_DATA, policy(), 'quote', /future/],
    [
      'flipped byte in the TD report body',
      flipped(48 + 200),
      PINNED_NOW,
      FIXTURE_REPORT_DATA,
      policy(),
      'quote',
      /signature/,
    ],
    [
      'flipped byte in report data',
      flipped(48 + 520),
      PINNED_NOW,
      FIXTURE_REPORT_DATA,
      policy(),
      'quote',
      /signature/,
    ],
    [
      'flipped byte in the quote signature',
      flipped(636),
      PINNED_NOW,
      FIXTURE_REPORT_DATA,
      policy(),
      'quote',
      /./,
    ],
    ['truncated quote', QUOTE.slice(0, 600), PINNED_NOW, FIXTURE_REPORT_DATA, policy(), 'quote', /./],
    [
      'report data for another key',
      QUOTE,
      PINNED_NOW,
      new Uint8Array(64),
      policy(),
      'report-data',
      /response key/,
    ],
    [
      'UpToDate not on the list',
      QUOTE,
      PINNED_NOW,
      FIXTURE_REPORT_DATA,
      policy(['OutOfDate']),
      'tcb',
      /UpToDate/,
    ],
  ]
  it.each(rows)('refuses: %s', (_name, quote, now, reportData, pol, check, detail) => {
    const r = verifyQuote(quote, COLLATERAL, now, reportData, pol, intel)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.check).toBe(check)
      expect(r.error.detail).toMatch(detail)
    }
  })

  it('refuses the real quote under another root CA (the chain must end at the pinned root)', () => {
    const other = dcapVerifier(new Uint8Array(readFileSync(new URL('tdx_quote.bin', DIR)).subarray(0, 10)))
    const r = verifyQuote(QUOTE, COLLATERAL, PINNED_NOW, FIXTURE_REPORT_DATA, policy(), other)
    expect(r.ok).toBe(false)
  })
})
