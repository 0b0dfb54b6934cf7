/**
 * The per-isolate trust cache on bad evidence: each bad input is refused with the check that failed, cached
 * as untrusted for FAILURE_TTL_MS only, never accepted; once the signer serves good evidence again it is
 * trusted after that short wait. The signer is a stand-in binding that serves dstack-shaped documents (test
 * root CA quotes, the event log as GetQuote returns it); the verifier is the real dcap-qvl under that root.
 */
import { randomBytes } from 'node:crypto'
import type { Collateral } from '@phala/dcap-qvl'
import { describe, expect, it } from 'vitest'
import { CollateralCache } from '../../edge/attestation/collateral.ts'
import { dcapVerifier } from '../../edge/attestation/dcap.ts'
import { MAX_EVENT_LOG_BYTES } from '../../edge/attestation/event-log.ts'
import { currentTrust, ensureTrusted, FAILURE_TTL_MS } from '../../edge/attestation/trust.ts'
import { loadConfig } from '../../edge/config.ts'
import { type AttestationDocument, reportDataFor, toHex } from '../../shared/attestation.ts'
import { AppError } from '../../shared/errors.ts'
import { evidenceFor, runtimeEventsFor, TEST_MEASUREMENTS } from '../support/tdx/dstack-stub.ts'
import { createTestDcap } from '../support/tdx/forge.ts'

const dcap = createTestDcap()
const NOW = dcap.now.getTime()
const publicKey = new Uint8Array(randomBytes(32))
const hpkePublicKey = new Uint8Array(randomBytes(32))
const m = TEST_MEASUREMENTS
const PINS = JSON.stringify([
  {
    name: 'test',
    mrtd: m.mrtd,
    rtmr0: m.rtmr0,
    rtmr1: m.rtmr1,
    rtmr2: m.rtmr2,
    osImageHash: m.osImageHash,
    keyProvider: m.keyProvider,
    composeHash: m.composeHash,
    appId: m.appId,
  },
])

const docWith = (
  runtime?: [string, string][],
  over: Partial<AttestationDocument> = {},
): AttestationDocument => {
  const e = evidenceFor(dcap, m, reportDataFor(publicKey, hpkePublicKey), runtime ? { runtime } : {})
  return {
    mode: 'tdx',
    publicKey: toHex(publicKey),
    hpkePublicKey: toHex(hpkePublicKey),
    quote: e.quote,
    eventLog: e.eventLog,
    appId: m.appId,
    composeHash: m.composeHash,
    appCompose: m.appCompose,
    ...over,
  }
}
const GOOD = docWith()
const events = runtimeEventsFor(m)
const otherFmspc = (c: Collateral): Collateral => ({
  ...c,
  tcb_info: c.tcb_info.replace(/"fmspc":"[0-9A-Fa-f]+"/, '"fmspc":"00906ED50000"'),
})

let n = 0
/** A fresh signer URL per case (the trust cache is keyed by it) and a stand-in SIGNER that serves `doc()`. */
function setup(doc: () => AttestationDocument, collateral: () => Collateral) {
  const url = `https://signer-${++n}.test`
  const env = {
    ENVIRONMENT: 'staging',
    ALLOWED_ORIGINS: 'https://app.example',
    RP_ID: 'app.example',
    RP_ORIGIN: 'https://app.example',
    SIGNER_URL: url,
    UPSTASH_REDIS_REST_URL: 'https://redis.example',
    UPSTASH_REDIS_REST_TOKEN: 'token',
    AUTH_SECRET: 'x'.repeat(32),
    ATTESTATION_MODE: 'tdx',
    SIGNER_MEASUREMENTS: PINS,
    SIGNER: { fetch: async () => Response.json({ ok: true, result: doc() }) },
  }
  const config = loadConfig(env)
  const clock = { now: NOW }
  const deps = {
    now: () => clock.now,
    verifier: dcapVerifier(dcap.root.der),
    fetchCollateral: async () => collateral(),
    collaterals: new CollateralCache(),
  }
  const attempt = () => ensureTrusted(env, config, deps)
  return { config, clock, attempt }
}

describe('ensureTrusted on bad evidence', () => {
  type Row = [string, () => AttestationDocument, () => Collateral, RegExp]
  const rows: Row[] = [
    [
      'a truncated event log',
      () => ({ ...GOOD, eventLog: (GOOD.eventLog ?? '').slice(0, -20) }),
      dcap.collateral,
      /^event-log: .*not JSON/,
    ],
    [
      'an oversized event log',
      () => ({ ...GOOD, eventLog: `[${'{"imr":0},'.repeat(MAX_EVENT_LOG_BYTES / 10)}{"imr":0}]` }),
      dcap.collateral,
      /^event-log: .*too large/,
    ],
    [
      'an unknown event type',
      () => ({ ...GOOD, eventLog: (GOOD.eventLog ?? '').replace('134217729', '134217730') }),
      dcap.collateral,
      /^event-log: .*unknown in RTMR3/,
    ],
    [
      'a duplicate identity event',
      () => docWith([...events.slice(0, 2), ['app-id', m.appId], ...events.slice(2)]),
      dcap.collateral,
      /^event-log: duplicate app-id/,
    ],
    [
      'collateral for another FMSPC',
      () => GOOD,
      () => otherFmspc(dcap.collateral()),
      /^collateral: TCB info is for FMSPC 00906ED50000/,
    ],
    [
      'an expired TCB info',
      () => GOOD,
      () => dcap.collateral({ validDays: -1 }),
      /^collateral: TCB info expired/,
    ],
  ]
  it.each(rows)(
    '%s: refused naming the check, untrusted only briefly, then trusted when fixed',
    async (_n, bad, collateral, reason) => {
      let serving = bad
      let col = collateral
      const s = setup(
        () => serving(),
        () => col(),
      )
      const refused = await s.attempt().catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(AppError)
      expect(refused).toMatchObject({ code: 'ERR_SIGNER_UNTRUSTED' })
      const state = currentTrust(s.config.signerUrls[0])
      expect(state?.trusted).toBe(false)
      if (state && !state.trusted) {
        expect(state.reason).toMatch(reason)
        expect(state.expiresAt - state.checkedAt).toBe(FAILURE_TTL_MS)
      }
      // Fixed at once, but the verdict stands until it lapses: no re-verification storm, no early acceptance.
      serving = () => GOOD
      col = dcap.collateral
      s.clock.now += FAILURE_TTL_MS - 1
      await expect(s.attempt()).rejects.toMatchObject({ code: 'ERR_SIGNER_UNTRUSTED' })
      s.clock.now += 2
      await expect(s.attempt()).resolves.toMatchObject({ mode: 'tdx', release: 'test' })
    },
  )

  it('control: good evidence is trusted at once', async () => {
    const s = setup(() => GOOD, dcap.collateral)
    await expect(s.attempt()).resolves.toMatchObject({ composeHash: m.composeHash, appId: m.appId })
  })
})
