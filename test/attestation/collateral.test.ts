/**
 * The collateral cache and the advisory deny-list. The cache is keyed by the quote's PCK identity (read by the
 * real dcap module from the real near-mpc quote and from test quotes under another PCK): a second platform
 * gets its own collateral at once; an entry is refetched before its nextUpdate; collateral for another FMSPC
 * or past its nextUpdate is refused and never kept. A PCCS stand-in counts the fetches.
 */
import { readFileSync } from 'node:fs'
import type { Collateral } from '@phala/dcap-qvl'
import { describe, expect, it } from 'vitest'
import {
  COLLATERAL_MAX_AGE_MS,
  CollateralCache,
  type CollateralSource,
  checkCollateral,
} from '../../edge/attestation/collateral.ts'
import { pckIdentity } from '../../edge/attestation/dcap.ts'
import { type DcapReport, verifyQuote } from '../../edge/attestation/quote.ts'
import { createTestDcap } from '../support/tdx/forge.ts'

const DIR = new URL('../../../shared/fixtures/attestation/dstack-near-mpc/', import.meta.url)
const NEAR_QUOTE = new Uint8Array(JSON.parse(readFileSync(new URL('quote.json', DIR), 'utf8')) as number[])
const NEAR = JSON.parse(readFileSync(new URL('collateral.json', DIR), 'utf8')) as Collateral
/** 2026-08-13, inside the near collateral's window (nextUpdate 2026-09-12T10:45:38Z). */
const NOW = 1786622400 * 1000
const NEXT_UPDATE = Date.parse('2026-09-12T10:45:38Z')

const dcap = createTestDcap()
const TEST_QUOTE = dcap.quote({
  mrtd: '00'.repeat(48),
  rtmr0: '00'.repeat(48),
  rtmr1: '00'.repeat(48),
  rtmr2: '00'.repeat(48),
  rtmr3: '00'.repeat(48),
  reportData: new Uint8Array(64),
})

/** A PCCS stand-in: answers per quote's FMSPC, counts what it was asked. */
function pccs(answer: (quote: Uint8Array) => Collateral) {
  const asked: string[] = []
  const source: CollateralSource = {
    identify: pckIdentity,
    fetch: async (q) => {
      asked.push(pckIdentity(q).pckCertSha256)
      return answer(q)
    },
  }
  return { source, asked }
}
const byQuote = (q: Uint8Array) => (q === NEAR_QUOTE ? NEAR : dcap.collateral())

describe('pckIdentity reads the platform from the quote', () => {
  it('gives the near quote its FMSPC (as in its TCB info) and a PCK hash distinct from the test PCK', () => {
    const near = pckIdentity(NEAR_QUOTE)
    expect(near.fmspc).toBe('B0C06F000000')
    expect(near.pckCertSha256).toMatch(/^[0-9a-f]{64}$/)
    expect(pckIdentity(TEST_QUOTE).pckCertSha256).not.toBe(near.pckCertSha256)
  })
})

describe('CollateralCache', () => {
  it('fetches once per platform, and at once for a platform it has not seen (a signer that moved)', async () => {
    const cache = new CollateralCache()
    const { source, asked } = pccs(byQuote)
    expect((await cache.get(NEAR_QUOTE, source, NOW)).ok).toBe(true)
    expect((await cache.get(NEAR_QUOTE, source, NOW + 1000)).ok).toBe(true)
    expect(asked).toHaveLength(1)
    const moved = await cache.get(TEST_QUOTE, source, dcap.now.getTime())
    expect(moved.ok && moved.value).toMatchObject({ tcb_info: expect.any(String) })
    expect(asked).toHaveLength(2)
    expect(cache.size).toBe(2)
  })

  it('refetches after its maximum age and before nextUpdate', async () => {
    const cache = new CollateralCache()
    const { source, asked } = pccs(byQuote)
    await cache.get(NEAR_QUOTE, source, NOW)
    await cache.get(NEAR_QUOTE, source, NOW + COLLATERAL_MAX_AGE_MS + 1)
    expect(asked).toHaveLength(2)
    // In the last hour before nextUpdate every use refetches: never verify on collateral about to lapse.
    await cache.get(NEAR_QUOTE, source, NEXT_UPDATE - 30 * 60_000)
    await cache.get(NEAR_QUOTE, source, NEXT_UPDATE - 29 * 60_000)
    expect(asked).toHaveLength(4)
  })

  type Row = [string, Uint8Array, (q: Uint8Array) => Collateral, number, string, RegExp]
  const rows: Row[] = [
    [
      'collateral for another FMSPC',
      NEAR_QUOTE,
      () => ({
        ...NEAR,
        tcb_info: NEAR.tcb_info.replace('"fmspc":"B0C06F000000"', '"fmspc":"00906ED50000"'),
      }),
      NOW,
      'collateral',
      /FMSPC 00906ED50000/,
    ],
    ['TCB info past nextUpdate', NEAR_QUOTE, () => NEAR, NEXT_UPDATE + 1, 'collateral', /TCB info expired/],
    [
      'QE identity past nextUpdate',
      NEAR_QUOTE,
      () => ({
        ...NEAR,
        qe_identity: NEAR.qe_identity.replace(/"nextUpdate":"[^"]+"/, '"nextUpdate":"2026-08-01T00:00:00Z"'),
      }),
      NOW,
      'collateral',
      /QE identity expired/,
    ],
    ['unreadable TCB info', NEAR_QUOTE, () => ({ ...NEAR, tcb_info: '{' }), NOW, 'collateral', /unreadable/],
    ['a truncated quote', NEAR_QUOTE.slice(0, 900), () => NEAR, NOW, 'quote', /malformed/],
    [
      'a PCCS that fails',
      NEAR_QUOTE,
      () => {
        throw new Error('503 from PCCS')
      },
      NOW,
      'collateral',
      /unavailable/,
    ],
  ]
  it.each(rows)('refuses %s and keeps nothing', async (_name, quote, answer, now, check, detail) => {
    const cache = new CollateralCache()
    const r = await cache.get(quote, pccs(answer).source, now)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.check).toBe(check)
      expect(r.error.detail).toMatch(detail)
    }
    expect(cache.size).toBe(0)
  })

  it('checkCollateral accepts the near collateral in its window and says when to refresh', () => {
    const r = checkCollateral(NEAR, pckIdentity(NEAR_QUOTE), NOW)
    expect(r).toEqual({ ok: true, value: NOW + COLLATERAL_MAX_AGE_MS })
  })
})

describe('advisory deny-list', () => {
  const report = (advisoryIds: string[]): DcapReport => ({
    status: 'SWHardeningNeeded',
    advisoryIds,
    td: { mrtd: '', rtmr0: '', rtmr1: '', rtmr2: '', rtmr3: '', reportData: '00'.repeat(64) },
  })
  const policy = (denied: string[]) => ({
    allowedTcbStatuses: ['UpToDate', 'SWHardeningNeeded'],
    deniedAdvisoryIds: denied,
  })
  type Row = [string, string[], string[], boolean]
  const rows: Row[] = [
    ['a denied advisory', ['INTEL-SA-00837'], ['INTEL-SA-00837'], false],
    ['one denied among several', ['INTEL-SA-00615', 'INTEL-SA-00837'], ['INTEL-SA-00837'], false],
    ['a lower-case id from the TCB info', ['intel-sa-00837'], ['INTEL-SA-00837'], false],
    ['an advisory not on the list', ['INTEL-SA-00615'], ['INTEL-SA-00837'], true],
    ['no advisories', [], ['INTEL-SA-00837'], true],
  ]
  it.each(rows)('%s', (_name, ids, denied, accepted) => {
    // The real dcap-qvl is exercised elsewhere; here its answer is fixed so the deny-list alone decides.
    const r = verifyQuote(NEAR_QUOTE, NEAR, 0, new Uint8Array(64), policy(denied), () => report(ids))
    expect(r.ok).toBe(accepted)
    if (!r.ok)
      expect(r.error).toMatchObject({ check: 'advisory', detail: expect.stringMatching(/INTEL-SA-00837/i) })
  })
})
