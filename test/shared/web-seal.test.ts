/**
 * The page's check of the key it seals to (edge/web/seal.ts), against attestation documents a stand-in edge
 * serves: a real-format TDX quote (test root CA) whose REPORTDATA binds the response key and the HPKE key is
 * accepted; a quote binding another HPKE key (an edge sealing seeds to itself), another response key, a
 * quote of another format, a truncated one, a malformed document, and an unattested signer on a deployed
 * origin are refused. The REPORTDATA offset is checked on the real dstack quote of the fixtures.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { attestedSealingKey, quoteReportData } from '../../edge/web/seal.ts'
import { type AttestationDocument, fromHex, reportDataFor, toHex } from '../../shared/attestation.ts'
import { evidenceFor, TEST_MEASUREMENTS } from '../support/tdx/dstack-stub.ts'
import { createTestDcap } from '../support/tdx/forge.ts'

const dcap = createTestDcap()
const pub = new Uint8Array(randomBytes(32))
const hpke = new Uint8Array(randomBytes(32))
const other = new Uint8Array(randomBytes(32))
const quoteFor = (rd: Uint8Array) => evidenceFor(dcap, TEST_MEASUREMENTS, rd)

const doc = (over: Partial<AttestationDocument> = {}): AttestationDocument => ({
  mode: 'tdx',
  publicKey: toHex(pub),
  hpkePublicKey: toHex(hpke),
  quote: quoteFor(reportDataFor(pub, hpke)).quote,
  eventLog: '[]',
  appId: TEST_MEASUREMENTS.appId,
  composeHash: TEST_MEASUREMENTS.composeHash,
  appCompose: null,
  ...over,
})

/** A stand-in for the edge's GET /api/attestation (fetch is what edge/web/api.ts calls). */
function serve(body: unknown): void {
  globalThis.fetch = async () => new Response(JSON.stringify(body), { status: 200 })
}
const realFetch = globalThis.fetch
afterEach(() => {
  globalThis.fetch = realFetch
})

describe('quoteReportData', () => {
  it('reads REPORTDATA where a real dstack v4 quote keeps it (MRTD at the neighbouring offset checks out)', () => {
    const dir = '../shared/fixtures/attestation/dstack-near-mpc/'
    const quote = new Uint8Array(JSON.parse(readFileSync(`${dir}quote.json`, 'utf8')) as number[])
    const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as { mrtd: string }
    expect(toHex(quote.slice(48 + 136, 48 + 184))).toBe(expected.mrtd)
    expect(quoteReportData(quote)?.length).toBe(64)
    const forged = fromHex(quoteFor(reportDataFor(pub, hpke)).quote) ?? new Uint8Array(0)
    expect(toHex(quoteReportData(forged) ?? new Uint8Array(0))).toBe(toHex(reportDataFor(pub, hpke)))
  })
})

describe('attestedSealingKey', () => {
  it('returns the HPKE key a tdx quote binds together with the response key', async () => {
    serve(doc())
    expect(toHex(await attestedSealingKey('tuxedo.example'))).toBe(toHex(hpke))
  })
  it('takes an unattested (insecure-dev) signer on a loopback origin only', async () => {
    serve(doc({ mode: 'insecure-dev', quote: null, eventLog: null }))
    expect(toHex(await attestedSealingKey('127.0.0.1'))).toBe(toHex(hpke))
  })

  const badVersion = (q: string) => `0300${q.slice(4)}`
  it.each([
    ['a quote binding another HPKE key', () => doc({ quote: quoteFor(reportDataFor(pub, other)).quote })],
    ['another HPKE key beside the genuine quote', () => doc({ hpkePublicKey: toHex(other) })],
    ['another response key beside the genuine quote', () => doc({ publicKey: toHex(other) })],
    ['a quote of another version', () => doc({ quote: badVersion(doc().quote ?? '') })],
    ['a truncated quote', () => doc({ quote: (doc().quote ?? '').slice(0, 1000) })],
    [
      'an unattested signer on a deployed origin',
      () => doc({ mode: 'insecure-dev', quote: null, eventLog: null }),
    ],
    ['a tdx document without a quote', () => doc({ quote: null })],
    ['a malformed document', () => ({ ...doc(), hpkePublicKey: 'zz' })],
  ])('refuses %s', async (_name, make) => {
    serve(make())
    await expect(attestedSealingKey('tuxedo.example')).rejects.toThrow(/attest|malformed|refusing/)
  })
})
