/**
 * Known-answer tests on a real dstack CVM's complete evidence (../shared/fixtures/attestation/dstack-near-mpc,
 * from NEAR MPC's test assets; verified at the README's timestamp 1786622400): quote → dcap-qvl with Intel's
 * root → TCB status → RTMR0–3 replayed from the event log → app identity → pins. It passes with the log as
 * dstack writes it and as the guest agent's GetQuote returns it (runtime digests blank), and refuses every
 * single-byte alteration of the quote, the log and the app compose at the positions that carry meaning:
 * - quote: every byte of header, TD report, signature, attestation key and QE certification data
 *   (0..1257, systematic), and every 16th byte of the embedded PCK chain and padding (sampled);
 * - event log (GetQuote form): every byte of the RTMR3 part, and every byte of each boot-time event's digest
 *   and register index (systematic). Boot events' type, name and payload are not read by the verifier (their
 *   digests are given and replayed; their bytes are not measured), so they are not in the loop;
 * - app compose: every byte (systematic).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Collateral } from '@phala/dcap-qvl'
import { describe, expect, it } from 'vitest'
import { dcapVerifier } from '../../edge/attestation/dcap.ts'
import { DSTACK_RUNTIME_EVENT_TYPE, runtimeEventDigest } from '../../edge/attestation/event-log.ts'
import type { MeasurementPins } from '../../edge/attestation/pins.ts'
import type { DcapReport, QuotePolicy } from '../../edge/attestation/quote.ts'
import { checkMeasurements, verifyEvidence } from '../../edge/attestation/verify.ts'
import { fromHex, toHex } from '../../shared/attestation.ts'

const DIR = new URL('../../../shared/fixtures/attestation/dstack-near-mpc/', import.meta.url)
const read = (f: string) => readFileSync(new URL(f, DIR), 'utf8')
const QUOTE = new Uint8Array(JSON.parse(read('quote.json')) as number[])
const COLLATERAL = JSON.parse(read('collateral.json')) as Collateral
type Event = { imr: number; event_type: number; digest: string; event: string; event_payload: string }
const TCB = JSON.parse(read('tcb_info.json')) as { event_log: Event[]; app_compose: string; rtmr3: string }
const COMPOSE = read('app_compose.json')
const EXPECTED = JSON.parse(read('expected.json')) as {
  verify_at_unix: number
  mrtd: string
  rtmr0: string
  rtmr1: string
  rtmr2: string
  os_image_hash: string
  compose_hash_expected: string
  compose_hash_if_you_renormalise_WRONG: string
  app_id: string
  runtime_events: { event: string; payload: string; digest: string }[]
}
const NOW = EXPECTED.verify_at_unix

/** As the guest agent's GetQuote returns it (dstack `TdxEvent::stripped`). */
const stripped = (log: Event[]) =>
  log.map((e) =>
    e.event_type === DSTACK_RUNTIME_EVENT_TYPE ? { ...e, digest: '' } : { ...e, event_payload: '' },
  )
const FULL_LOG = JSON.stringify(TCB.event_log)
const AGENT_LOG = JSON.stringify(stripped(TCB.event_log))

const PINS: MeasurementPins = {
  name: 'near-mpc fixture',
  mrtd: EXPECTED.mrtd,
  rtmr0: EXPECTED.rtmr0,
  rtmr1: EXPECTED.rtmr1,
  rtmr2: EXPECTED.rtmr2,
  osImageHash: EXPECTED.os_image_hash,
  keyProvider: { name: 'local-sgx', id: '6b5ed02e549a1c30aaa8e3171a045f1f449b0017353ef595e78e39c348c98d01' },
  composeHash: EXPECTED.compose_hash_expected,
  appId: EXPECTED.app_id,
}
const POLICY: QuotePolicy & { pins: MeasurementPins[] } = {
  allowedTcbStatuses: ['UpToDate'],
  deniedAdvisoryIds: [],
  pins: [PINS],
}
const intel = dcapVerifier()
/** The fixture's report data binds NEAR's key, not ours: taken from the quote, compared exactly. */
const REPORT_DATA = QUOTE.slice(48 + 520, 48 + 584)
const deps = (nowSecs = NOW) => ({ verifier: intel, collateral: async () => COLLATERAL, nowSecs })
const evidence = (over: { quote?: Uint8Array; eventLog?: string; appCompose?: string } = {}) => ({
  quote: QUOTE,
  eventLog: AGENT_LOG,
  appCompose: COMPOSE,
  ...over,
})

const flipByte = (s: string, i: number) =>
  s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ 0x01) + s.slice(i + 1)

describe('a real dstack CVM, end to end', () => {
  it('computes the compose hash over the raw bytes, not re-serialised JSON', () => {
    expect(COMPOSE).toBe(TCB.app_compose)
    expect(createHash('sha256').update(COMPOSE).digest('hex')).toBe(EXPECTED.compose_hash_expected)
    const renormalised = JSON.stringify(JSON.parse(COMPOSE), Object.keys(JSON.parse(COMPOSE)).sort())
    expect(createHash('sha256').update(renormalised).digest('hex')).not.toBe(EXPECTED.compose_hash_expected)
  })

  it('recomputes every runtime digest as dstack does (V1)', () => {
    const computed = EXPECTED.runtime_events.map((e) =>
      toHex(runtimeEventDigest(1, e.event, fromHex(e.payload) ?? new Uint8Array(0))),
    )
    expect(computed).toEqual(EXPECTED.runtime_events.map((e) => e.digest))
  })

  it.each([
    ['the log as dstack writes it (runtime digests present)', FULL_LOG],
    ['the log as GetQuote returns it (runtime digests blank)', AGENT_LOG],
  ])('verifies %s', async (_name, eventLog) => {
    const r = await verifyEvidence(evidence({ eventLog }), REPORT_DATA, POLICY, deps())
    expect(r).toEqual({
      ok: true,
      value: {
        tcbStatus: 'UpToDate',
        advisoryIds: [],
        composeHash: EXPECTED.compose_hash_expected,
        appId: EXPECTED.app_id,
        keyProvider: PINS.keyProvider,
        release: 'near-mpc fixture',
      },
    })
  })

  const pinned = (over: Partial<MeasurementPins>) => ({ ...POLICY, pins: [{ ...PINS, ...over }] })
  type Row = [string, ReturnType<typeof evidence>, Uint8Array, typeof POLICY, number, string, RegExp]
  const rows: Row[] = [
    [
      'the TCB info past its nextUpdate',
      evidence(),
      REPORT_DATA,
      POLICY,
      Date.UTC(2026, 8, 13) / 1000,
      'quote',
      /TCBInfo expired/,
    ],
    [
      'report data for another key',
      evidence(),
      new Uint8Array(64),
      POLICY,
      NOW,
      'report-data',
      /response key/,
    ],
    [
      'UpToDate not allowed',
      evidence(),
      REPORT_DATA,
      { ...POLICY, allowedTcbStatuses: ['OutOfDate'] },
      NOW,
      'tcb',
      /UpToDate/,
    ],
    ['another MRTD', evidence(), REPORT_DATA, pinned({ mrtd: '00'.repeat(48) }), NOW, 'mrtd', /pinned/],
    ['another RTMR0', evidence(), REPORT_DATA, pinned({ rtmr0: EXPECTED.rtmr1 }), NOW, 'rtmr0', /pinned/],
    ['another RTMR2', evidence(), REPORT_DATA, pinned({ rtmr2: EXPECTED.rtmr1 }), NOW, 'rtmr2', /pinned/],
    ['an RTMR3 pin', evidence(), REPORT_DATA, pinned({ rtmr3: '11'.repeat(48) }), NOW, 'rtmr3', /pinned/],
    [
      'another key provider',
      evidence(),
      REPORT_DATA,
      pinned({ keyProvider: { name: 'kms', id: PINS.keyProvider.id } }),
      NOW,
      'key-provider',
      /pinned/,
    ],
    [
      'another compose hash',
      evidence(),
      REPORT_DATA,
      pinned({ composeHash: 'ab'.repeat(32) }),
      NOW,
      'compose-hash',
      /pinned/,
    ],
    ['another app id', evidence(), REPORT_DATA, pinned({ appId: 'ab'.repeat(20) }), NOW, 'app-id', /pinned/],
    [
      'a re-serialised compose',
      evidence({ appCompose: JSON.stringify(JSON.parse(COMPOSE)) }),
      REPORT_DATA,
      POLICY,
      NOW,
      'app-compose',
      /measured/,
    ],
    [
      'a truncated log',
      evidence({ eventLog: AGENT_LOG.slice(0, -40) }),
      REPORT_DATA,
      POLICY,
      NOW,
      'event-log',
      /JSON/,
    ],
    [
      'the application event dropped',
      evidence({ eventLog: JSON.stringify(stripped(TCB.event_log.slice(0, -1))) }),
      REPORT_DATA,
      POLICY,
      NOW,
      'event-log',
      /RTMR3/,
    ],
  ]
  it.each(rows)('refuses %s', async (_name, ev, reportData, policy, now, check, detail) => {
    const r = await verifyEvidence(ev, reportData, policy, deps(now))
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.check).toBe(check)
      expect(r.error.detail).toMatch(detail)
    }
  })
})

describe('every single-byte alteration is refused', () => {
  // The quote: full DCAP verification for each altered copy (~12 ms each).
  const systematic = Array.from({ length: 1258 }, (_, i) => i)
  const sampled = Array.from({ length: Math.ceil((QUOTE.length - 1258) / 16) }, (_, k) => 1258 + 16 * k)
  const positions = [...systematic, ...sampled]
  const chunks = Array.from({ length: Math.ceil(positions.length / 250) }, (_, k) =>
    positions.slice(250 * k, 250 * (k + 1)),
  )
  it.each(chunks.map((c) => [`${c[0]}..${c[c.length - 1]}`, c] as const))(
    'quote bytes %s',
    async (_range, at) => {
      const accepted: number[] = []
      for (const i of at) {
        const q = QUOTE.slice()
        q[i] = (q[i] ?? 0) ^ 0x01
        const r = await verifyEvidence(evidence({ quote: q }), REPORT_DATA, POLICY, deps())
        if (r.ok) accepted.push(i)
      }
      expect(accepted).toEqual([])
    },
    60_000,
  )

  // Log and compose: the quote is unaltered, so DCAP runs once and the pure rest runs per alteration.
  const report = (): DcapReport => intel(QUOTE, COLLATERAL, NOW)
  const logPositions = (): number[] => {
    const out: number[] = []
    const firstRuntime = AGENT_LOG.indexOf(`{"imr":3`)
    for (let i = firstRuntime; i < AGENT_LOG.length; i++) out.push(i)
    for (const m of AGENT_LOG.matchAll(/"imr":[0-2],"event_type":[0-9]+,"digest":"[0-9a-f]{96}"/g)) {
      const digestAt = m.index + m[0].length - 97
      out.push(m.index + 6, ...Array.from({ length: 96 }, (_, k) => digestAt + k))
    }
    return out
  }

  it('log (GetQuote form): every byte of the RTMR3 events and of each boot digest', () => {
    const base = report()
    const positions = logPositions()
    expect(positions.length).toBeGreaterThan(2500)
    expect(checkMeasurements(base, evidence(), [PINS]).ok).toBe(true)
    const accepted = positions.filter(
      (i) => checkMeasurements(base, evidence({ eventLog: flipByte(AGENT_LOG, i) }), [PINS]).ok,
    )
    expect(accepted).toEqual([])
  })

  it('app compose: every byte', () => {
    const base = report()
    const accepted: number[] = []
    for (let i = 0; i < COMPOSE.length; i++) {
      if (checkMeasurements(base, evidence({ appCompose: flipByte(COMPOSE, i) }), [PINS]).ok) accepted.push(i)
    }
    expect(accepted).toEqual([])
  })
})
