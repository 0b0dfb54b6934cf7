/**
 * The dstack event log: the guest agent extends RTMR3 with one event per boot-time fact (app id, compose hash,
 * instance id, key provider). The log itself is unsigned; it is trusted only because replaying every RTMR3
 * digest reproduces the RTMR3 inside the verified quote, and each event we read must hash to its digest.
 */
import { sha384 } from '@noble/hashes/sha2'
import { z } from 'zod'
import { fromHex, toHex } from '../../shared/attestation.ts'
import { err, ok, type Result } from '../../shared/result.ts'
import type { QuoteProblem } from './quote.ts'

/** dstack's event type for runtime (application) events. */
export const DSTACK_RUNTIME_EVENT_TYPE = 0x08000001

const EventSchema = z.object({
  imr: z.number().int().min(0).max(3),
  event_type: z.number().int().min(0),
  digest: z.string().regex(/^[0-9a-fA-F]{0,96}$/),
  event: z.string().default(''),
  event_payload: z
    .string()
    .regex(/^[0-9a-fA-F]*$/)
    .default(''),
})
const EventLogSchema = z.array(EventSchema).max(4096)
export type DstackEvent = z.infer<typeof EventSchema>

const enc = new TextEncoder()

/** sha384(le32(event_type) ‖ ":" ‖ event ‖ ":" ‖ payload): how dstack digests a runtime event. */
export function runtimeEventDigest(eventType: number, event: string, payload: Uint8Array): Uint8Array {
  const type = new Uint8Array(4)
  new DataView(type.buffer).setUint32(0, eventType, true)
  const name = enc.encode(event)
  const colon = enc.encode(':')
  const parts = [type, colon, name, colon, payload]
  const input = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    input.set(p, at)
    at += p.length
  }
  return sha384(input)
}

/** RTMR replay: mr = sha384(mr ‖ digest), from 48 zero bytes; short digests are zero-padded (as TDX does). */
export function replayRtmr(digests: readonly Uint8Array[]): string {
  let mr: Uint8Array = new Uint8Array(48)
  for (const d of digests) {
    const input = new Uint8Array(96)
    input.set(mr, 0)
    input.set(d.slice(0, 48), 48)
    mr = sha384(input)
  }
  return toHex(mr)
}

export type AppIdentity = { readonly composeHash: string; readonly appId: string }

/** Replays RTMR3 from the log, then reads compose-hash and app-id from events whose digests check out. */
export function verifyEventLog(eventLogJson: string, rtmr3: string): Result<AppIdentity, QuoteProblem> {
  let events: DstackEvent[]
  try {
    const parsed = EventLogSchema.safeParse(JSON.parse(eventLogJson))
    if (!parsed.success) return err({ check: 'event-log', detail: 'event log is malformed' })
    events = parsed.data
  } catch {
    return err({ check: 'event-log', detail: 'event log is not JSON' })
  }
  const rtmr3Events = events.filter((e) => e.imr === 3)
  const replayed = replayRtmr(rtmr3Events.map((e) => fromHex(e.digest) ?? new Uint8Array(0)))
  // Stops an edited log: any added, dropped or altered RTMR3 event changes the replayed value.
  if (replayed !== rtmr3.toLowerCase()) {
    return err({ check: 'event-log', detail: 'event log does not replay to the quoted RTMR3' })
  }
  const read = (name: string): Result<string, QuoteProblem> => {
    const found = rtmr3Events.filter((e) => e.event === name)
    if (found.length !== 1 || !found[0]) {
      return err({ check: 'event-log', detail: `expected exactly one ${name} event` })
    }
    const e = found[0]
    const payload = fromHex(e.event_payload) ?? new Uint8Array(0)
    // The digest, not the readable fields, is what RTMR3 commits to: tie the two together.
    if (toHex(runtimeEventDigest(e.event_type, e.event, payload)) !== e.digest.toLowerCase()) {
      return err({ check: 'event-log', detail: `${name} event does not match its digest` })
    }
    return ok(toHex(payload))
  }
  const composeHash = read('compose-hash')
  if (!composeHash.ok) return composeHash
  const appId = read('app-id')
  if (!appId.ok) return appId
  return ok({ composeHash: composeHash.value, appId: appId.value })
}
