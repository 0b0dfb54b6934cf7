/**
 * The dstack event log as the guest agent's GetQuote returns it, replayed into RTMR0–3.
 *
 * The log is unsigned: it is trusted only because replaying it reproduces the RTMRs inside the verified quote.
 * For dstack's runtime events (type 0x08000001, RTMR3) the guest agent empties the digest ("stripped" log,
 * dstack cc-eventlog `TdxEvent::stripped`), so we never use a given runtime digest: we recompute each one from
 * its type, name and payload (V1), or from its canonical JSON (V2, when the app compose sets
 * `event_log_version: 2`), exactly as dstack's `RuntimeEvent::preimage` does. That is what ties the readable
 * name and payload we later read (app id, compose hash) to the quoted RTMR3: an edited payload changes the
 * replayed value. Given digests are used only for boot-time (firmware/TCG) events in RTMR0–2.
 *
 * Threats stopped: an edited, reordered, truncated or padded log (replay mismatch); a log too large to parse
 * cheaply (size caps before JSON.parse); events of a type dstack never puts in that register (refused).
 */
import { sha384 } from '@noble/hashes/sha2'
import { z } from 'zod'
import { fromHex, toHex } from '../../shared/attestation.ts'
import { err, ok, type Result } from '../../shared/result.ts'
import type { QuoteProblem } from './quote.ts'

/** dstack's event type for runtime events (V1 and V2 alike; the version is out of band). */
export const DSTACK_RUNTIME_EVENT_TYPE = 0x08000001
/** A real log (29 events, RTMR0–3) is ~7 KiB stripped; these caps leave room and stop a parse bomb. */
export const MAX_EVENT_LOG_BYTES = 128 * 1024
export const MAX_EVENTS = 512
const MAX_PAYLOAD_HEX = 16 * 1024

export type EventLogVersion = 1 | 2

const hexString = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[0-9a-fA-F]*$/, 'must be hex')

/**
 * One `TdxEvent` exactly as dstack serialises it (serde: hex bytes; `version` and `preimage` only when V2).
 * Strict, and no defaults: a renamed key is refused, not read as an empty digest or payload.
 */
const EventSchema = z.strictObject({
  imr: z.number().int().min(0).max(3),
  event_type: z.number().int().min(0).max(0xffff_ffff),
  digest: hexString(96),
  event: z.string().max(256),
  event_payload: hexString(MAX_PAYLOAD_HEX),
  version: z.union([z.literal(1), z.literal(2)]).optional(),
  preimage: hexString(2 * MAX_PAYLOAD_HEX + 1024).optional(),
})
type RawEvent = z.infer<typeof EventSchema>
let logSchema: z.ZodType<RawEvent[]> | undefined
/** Compiled at first use, not at import: nothing in the Worker's start-up pays for it. */
const eventLogSchema = () => {
  logSchema ??= z.array(EventSchema).max(MAX_EVENTS)
  return logSchema
}

/** A runtime (RTMR3) event, its payload decoded, its digest the one we computed. */
export type RuntimeEvent = {
  readonly event: string
  readonly payload: Uint8Array
  readonly digest: Uint8Array
}

export type ReplayedLog = {
  /** RTMR0..3 replayed from the log, lower-case hex. */
  readonly rtmrs: readonly [string, string, string, string]
  /** The RTMR3 runtime events, in order. */
  readonly runtime: readonly RuntimeEvent[]
}

const enc = new TextEncoder()

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * The bytes dstack hashes for a runtime event (cc-eventlog `RuntimeEvent::preimage`):
 * V1 `le32(0x08000001) ‖ ":" ‖ name ‖ ":" ‖ payload`; V2 the JCS (RFC 8785) JSON
 * `{"name":…,"payload":"<lower hex>","type":134217729}`. Keys are in JCS order and JSON.stringify escapes
 * strings as JCS does (short escapes, lower-case \u00xx), so this is that canonical form byte for byte.
 */
export function runtimeEventPreimage(
  version: EventLogVersion,
  event: string,
  payload: Uint8Array,
): Uint8Array {
  if (version === 2) {
    return enc.encode(
      JSON.stringify({ name: event, payload: toHex(payload), type: DSTACK_RUNTIME_EVENT_TYPE }),
    )
  }
  const type = new Uint8Array(4)
  new DataView(type.buffer).setUint32(0, DSTACK_RUNTIME_EVENT_TYPE, true)
  const colon = enc.encode(':')
  return concat([type, colon, enc.encode(event), colon, payload])
}

export const runtimeEventDigest = (
  version: EventLogVersion,
  event: string,
  payload: Uint8Array,
): Uint8Array => sha384(runtimeEventPreimage(version, event, payload))

/** RTMR replay: mr = sha384(mr ‖ digest) from 48 zero bytes; shorter digests are zero-padded (as TDX does). */
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

const problem = (detail: string): QuoteProblem => ({ check: 'event-log', detail })

/** Parses and replays a log; `version` comes from the app compose (see app-compose.ts), never from the log. */
export function replayEventLog(
  eventLogJson: string,
  version: EventLogVersion,
): Result<ReplayedLog, QuoteProblem> {
  if (eventLogJson.length > MAX_EVENT_LOG_BYTES) return err(problem('event log is too large'))
  let raw: unknown
  try {
    raw = JSON.parse(eventLogJson)
  } catch {
    return err(problem('event log is not JSON (truncated?)'))
  }
  const parsed = eventLogSchema().safeParse(raw)
  if (!parsed.success) return err(problem('event log is malformed or has too many events'))
  const perImr: [Uint8Array[], Uint8Array[], Uint8Array[], Uint8Array[]] = [[], [], [], []]
  const runtime: RuntimeEvent[] = []
  for (const [i, e] of parsed.data.entries()) {
    const isRuntime = e.event_type === DSTACK_RUNTIME_EVENT_TYPE
    // dstack extends RTMR3 with runtime events only, and RTMR0–2 with firmware events only.
    if (isRuntime !== (e.imr === 3))
      return err(problem(`event ${i}: type ${e.event_type} is unknown in RTMR${e.imr}`))
    if (!isRuntime) {
      const digest = fromHex(e.digest)
      if (digest?.length !== 48) return err(problem(`event ${i}: boot-time event without a SHA-384 digest`))
      perImr[e.imr]?.push(digest)
      continue
    }
    // The log may say which digest form it used; it must be the one the (measured) app compose asks for.
    if ((e.version ?? 1) !== version)
      return err(problem(`event ${i}: version ${e.version ?? 1}, compose says ${version}`))
    const payload = fromHex(e.event_payload) ?? new Uint8Array(0)
    const preimage = runtimeEventPreimage(version, e.event, payload)
    if (e.preimage !== undefined && e.preimage.toLowerCase() !== toHex(preimage)) {
      return err(problem(`event ${i}: preimage is not the canonical form of its name and payload`))
    }
    const digest = sha384(preimage)
    // A digest the agent left in place must agree with the one we compute; an empty one is the normal case.
    if (e.digest !== '' && e.digest.toLowerCase() !== toHex(digest)) {
      return err(problem(`event ${i}: ${e.event} does not match its digest`))
    }
    perImr[3].push(digest)
    runtime.push({ event: e.event, payload, digest })
  }
  const [r0, r1, r2, r3] = perImr
  return ok({ rtmrs: [replayRtmr(r0), replayRtmr(r1), replayRtmr(r2), replayRtmr(r3)], runtime })
}
