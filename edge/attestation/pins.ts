/**
 * The measurement sets the edge accepts, and the one comparison that decides whether a verified CVM runs our
 * signer release: MRTD and RTMR0–2 (firmware, kernel, command line: the dstack OS image), the OS image hash
 * and key provider (which image and which KMS released the keys), and the compose hash and app id (which
 * docker-compose, so which image digests, under which app). RTMR3 is replayed, not pinned, unless a set pins it.
 *
 * A list, so pins rotate without downtime: deploy the edge accepting [current, next], upgrade the CVM, then
 * drop `current`. A CVM must match one set entirely; mixing fields of two sets is refused.
 *
 * Threats stopped: a genuine TDX VM running another image, kernel, compose or app; the same compose booted
 * under another KMS (keys released by someone else's key provider).
 */
import { err, ok, type Result } from '../../shared/result.ts'
import type { AppIdentity, KeyProvider } from './identity.ts'
import type { QuoteProblem, TdRegisters } from './quote.ts'

/** One accepted release, lower-case hex throughout. */
export type MeasurementPins = {
  /** A label for logs ("2026-08 release"); not compared. */
  readonly name?: string | undefined
  readonly mrtd: string
  readonly rtmr0: string
  readonly rtmr1: string
  readonly rtmr2: string
  readonly rtmr3?: string | undefined
  readonly osImageHash: string
  readonly keyProvider: KeyProvider
  readonly composeHash: string
  readonly appId: string
}

const REGISTERS = ['mrtd', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3'] as const

/** The first field of `pins` this CVM does not match, or undefined when it matches them all. */
export function mismatch(pins: MeasurementPins, td: TdRegisters, app: AppIdentity): string | undefined {
  for (const reg of REGISTERS) {
    const pinned = pins[reg]
    if (pinned !== undefined && td[reg] !== pinned) return reg
  }
  // Without a KMS dstack measures no os-image-hash event; the image is then bound by MRTD/RTMR0–2 above,
  // which docs/deploy.md computes from the same OS release whose hash this set names.
  if (app.osImageHash !== null && app.osImageHash !== pins.osImageHash) return 'os-image-hash'
  if (app.keyProvider.name !== pins.keyProvider.name || app.keyProvider.id !== pins.keyProvider.id) {
    return 'key-provider'
  }
  if (app.composeHash !== pins.composeHash) return 'compose-hash'
  if (app.appId !== pins.appId) return 'app-id'
  return undefined
}

/** The set this CVM matches, or a problem naming, for each set, the first field that differs. */
export function matchPins(
  sets: readonly MeasurementPins[],
  td: TdRegisters,
  app: AppIdentity,
): Result<MeasurementPins, QuoteProblem> {
  const misses: { set: string; field: string }[] = []
  for (const [i, pins] of sets.entries()) {
    const field = mismatch(pins, td, app)
    if (field === undefined) return ok(pins)
    misses.push({ set: pins.name ?? `#${i}`, field })
  }
  const [only] = misses
  if (misses.length === 1 && only) {
    return err({ check: only.field, detail: `${only.field} does not match the pinned value` })
  }
  const detail = misses.map((m) => `${m.set}: ${m.field}`).join('; ')
  return err({
    check: 'measurements',
    detail: `no accepted measurement set matches (${detail || 'none pinned'})`,
  })
}
