/**
 * The event log's parser and dstack's identity rules, as tables. Runtime digests are computed here with
 * dstack's V1 and V2 forms (vectors from dstack cc-eventlog runtime_events.rs tests); identity claims are read
 * only from their own boot stage, once, and whatever follows system-ready is ignored.
 */
import { sha384 } from '@noble/hashes/sha2'
import { describe, expect, it } from 'vitest'
import {
  DSTACK_RUNTIME_EVENT_TYPE,
  MAX_EVENT_LOG_BYTES,
  type RuntimeEvent,
  replayEventLog,
  runtimeEventDigest,
  runtimeEventPreimage,
} from '../../edge/attestation/event-log.ts'
import { readIdentity } from '../../edge/attestation/identity.ts'
import { fromHex, toHex } from '../../shared/attestation.ts'

const enc = new TextEncoder()
const hex = (s: string) => toHex(enc.encode(s))

describe('runtime event digests (dstack cc-eventlog vectors)', () => {
  it('V1: sha384(le32 type ‖ ":" ‖ name ‖ ":" ‖ payload)', () => {
    const expected = sha384(
      Uint8Array.of(0x01, 0x00, 0x00, 0x08, 0x3a, ...enc.encode('app-id'), 0x3a, 0xde, 0xad, 0xbe, 0xef),
    )
    expect(toHex(runtimeEventDigest(1, 'app-id', Uint8Array.of(0xde, 0xad, 0xbe, 0xef)))).toBe(
      toHex(expected),
    )
  })
  it.each([
    ['compose-hash', 'abcd', '{"name":"compose-hash","payload":"abcd","type":134217729}'],
    [
      'event"with\\special\nchars',
      'ff',
      '{"name":"event\\"with\\\\special\\nchars","payload":"ff","type":134217729}',
    ],
    ['', '', '{"name":"","payload":"","type":134217729}'],
    ['\b\f\n\r\t\u0001', '', '{"name":"\\b\\f\\n\\r\\t\\u0001","payload":"","type":134217729}'],
    ['测试-emoji-🦀', 'ABCDEF', '{"name":"测试-emoji-🦀","payload":"abcdef","type":134217729}'],
  ])('V2: canonical JSON of %j', (name, payload, canonical) => {
    const pre = runtimeEventPreimage(2, name, fromHex(payload) ?? new Uint8Array(0))
    expect(new TextDecoder().decode(pre)).toBe(canonical)
  })
})

const runtime = (name: string, payloadHex = '') => ({
  imr: 3,
  event_type: DSTACK_RUNTIME_EVENT_TYPE,
  digest: '',
  event: name,
  event_payload: payloadHex,
})
const boot = { imr: 0, event_type: 0x80000001, digest: 'ab'.repeat(48), event: '', event_payload: '' }

describe('replayEventLog refuses malformed logs, naming the check', () => {
  type Row = [string, string, 1 | 2, RegExp]
  const rows: Row[] = [
    ['truncated JSON', JSON.stringify([boot, runtime('app-id')]).slice(0, -3), 1, /not JSON/],
    ['oversized', JSON.stringify([{ ...boot, event: 'x'.repeat(MAX_EVENT_LOG_BYTES) }]), 1, /too large/],
    ['too many events', JSON.stringify(Array.from({ length: 600 }, () => boot)), 1, /too many/],
    ['not an array', '{"imr":3}', 1, /malformed/],
    ['a renamed key', JSON.stringify([{ ...runtime('app-id'), digesu: '' }]), 1, /malformed/],
    [
      'a missing payload',
      JSON.stringify([{ imr: 3, event_type: DSTACK_RUNTIME_EVENT_TYPE, digest: '', event: 'x' }]),
      1,
      /malformed/,
    ],
    [
      'an unknown event type in RTMR3',
      JSON.stringify([{ ...runtime('app-id'), event_type: 0x08000002 }]),
      1,
      /unknown in RTMR3/,
    ],
    ['a runtime event in RTMR1', JSON.stringify([{ ...runtime('app-id'), imr: 1 }]), 1, /unknown in RTMR1/],
    ['a boot event without digest', JSON.stringify([{ ...boot, digest: '' }]), 1, /without a SHA-384 digest/],
    [
      'a runtime digest that disagrees',
      JSON.stringify([{ ...runtime('app-id'), digest: 'cd'.repeat(48) }]),
      1,
      /does not match its digest/,
    ],
    [
      'a V2 event in a V1 compose',
      JSON.stringify([{ ...runtime('app-id'), version: 2 }]),
      1,
      /version 2, compose says 1/,
    ],
    ['a V1 event in a V2 compose', JSON.stringify([runtime('app-id')]), 2, /version 1, compose says 2/],
    [
      'a V2 preimage that is not canonical',
      JSON.stringify([
        { ...runtime('a'), version: 2, preimage: hex('{"type":134217729,"name":"a","payload":""}') },
      ]),
      2,
      /preimage/,
    ],
  ]
  it.each(rows)('%s', (_name, log, version, detail) => {
    const r = replayEventLog(log, version)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.check).toBe('event-log')
      expect(r.error.detail).toMatch(detail)
    }
  })

  it('replays blank runtime digests from name and payload, V1 and V2', () => {
    for (const version of [1, 2] as const) {
      const events = [runtime('app-id', 'c0ffee'), runtime('boot-mr-done')].map((e) =>
        version === 2 ? { ...e, version: 2 } : e,
      )
      const r = replayEventLog(JSON.stringify([boot, ...events]), version)
      if (!r.ok) throw new Error(r.error.detail)
      expect(r.value.runtime.map((e) => toHex(e.digest))).toEqual([
        toHex(runtimeEventDigest(version, 'app-id', Uint8Array.of(0xc0, 0xff, 0xee))),
        toHex(runtimeEventDigest(version, 'boot-mr-done', new Uint8Array(0))),
      ])
    }
  })
})

const ev = (event: string, payloadHex = ''): RuntimeEvent => ({
  event,
  payload: fromHex(payloadHex) ?? new Uint8Array(0),
  digest: new Uint8Array(48),
})
const KP = hex(JSON.stringify({ name: 'kms', id: 'aa'.repeat(20) }))
const COMPOSE = 'cc'.repeat(32)
const dstackOrder = (): RuntimeEvent[] => [
  ev('system-preparing'),
  ev('app-id', 'a1'.repeat(20)),
  ev('compose-hash', COMPOSE),
  ev('instance-id', 'b2'.repeat(20)),
  ev('boot-mr-done'),
  ev('os-image-hash', '0e'.repeat(32)),
  ev('key-provider', KP),
  ev('storage-fs', hex('ext4')),
  ev('system-ready'),
]

describe('readIdentity: dstack stages, each claim once', () => {
  it('reads the identity and ignores what follows system-ready (even a second compose-hash)', () => {
    const r = readIdentity([...dstackOrder(), ev('compose-hash', 'dd'.repeat(32)), ev('app-id', 'ee')])
    expect(r).toEqual({
      ok: true,
      value: {
        appId: 'a1'.repeat(20),
        composeHash: COMPOSE,
        instanceId: 'b2'.repeat(20),
        keyProvider: { name: 'kms', id: 'aa'.repeat(20) },
        osImageHash: '0e'.repeat(32),
      },
    })
  })

  const edit = (f: (l: RuntimeEvent[]) => RuntimeEvent[]) => f(dstackOrder())
  const at = (name: string) => dstackOrder().findIndex((e) => e.event === name)
  type Row = [string, RuntimeEvent[], RegExp]
  const rows: Row[] = [
    [
      'a duplicate compose-hash before boot-mr-done',
      edit((l) => [...l.slice(0, 3), ev('compose-hash', 'dd'.repeat(32)), ...l.slice(3)]),
      /duplicate compose-hash/,
    ],
    [
      'a duplicate app-id',
      edit((l) => [l[0] as RuntimeEvent, ev('app-id', 'ff'), ...l.slice(1)]),
      /duplicate app-id/,
    ],
    [
      'a compose-hash after boot-mr-done',
      edit((l) => [...l.slice(0, 5), ev('compose-hash', COMPOSE), ...l.slice(5)]),
      /compose-hash outside the boot stage/,
    ],
    [
      'a key-provider before boot-mr-done',
      edit((l) => [ev('key-provider', KP), ...l.filter((e) => e.event !== 'key-provider')]),
      /key-provider outside the system stage/,
    ],
    [
      'a duplicate key-provider',
      edit((l) => [...l.slice(0, 7), ev('key-provider', KP), ...l.slice(7)]),
      /duplicate key-provider/,
    ],
    [
      'boot-mr-done twice',
      edit((l) => [...l.slice(0, 5), ev('boot-mr-done'), ...l.slice(5)]),
      /boot-mr-done appears twice/,
    ],
    [
      'system-ready before boot-mr-done',
      edit((l) => [ev('system-ready'), ...l]),
      /system-ready before boot-mr-done/,
    ],
    ['no system-ready', edit((l) => l.slice(0, -1)), /ends before system-ready/],
    ['no boot-mr-done', edit((l) => l.slice(0, at('boot-mr-done'))), /ends before boot-mr-done/],
    ['no app-id', edit((l) => l.filter((e) => e.event !== 'app-id')), /no app-id/],
    [
      'a short compose-hash',
      edit((l) => l.map((e) => (e.event === 'compose-hash' ? ev('compose-hash', 'cc') : e))),
      /32-byte compose-hash/,
    ],
    ['no key-provider', edit((l) => l.filter((e) => e.event !== 'key-provider')), /no key-provider/],
    [
      'a key-provider that is not JSON',
      edit((l) => l.map((e) => (e.event === 'key-provider' ? ev('key-provider', hex('kms')) : e))),
      /not \{name, id\}/,
    ],
    [
      'a kms boot without os-image-hash',
      edit((l) => l.filter((e) => e.event !== 'os-image-hash')),
      /without os-image-hash/,
    ],
  ]
  it.each(rows)('refuses %s', (_name, events, detail) => {
    const r = readIdentity(events)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.detail).toMatch(detail)
  })
})
