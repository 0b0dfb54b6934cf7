/**
 * Parsing of the attestation vars: SIGNER_MEASUREMENTS (one accepted release, or a list of them while pins
 * rotate) and SIGNER_DENIED_ADVISORIES (Intel advisory ids that refuse a platform). A problem names the field,
 * and every hex value is lower-cased once here so comparisons elsewhere are plain equality.
 *
 * Threat stopped: a typo that would pin nothing (a missing field, a short hash) fails the deploy's config
 * check instead of silently accepting more than intended.
 */
import { z } from 'zod'
import type { MeasurementPins } from './pins.ts'

const hex = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), `must be ${bytes} bytes of hex`)
    .transform((s) => s.toLowerCase())

const PinsSchema = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  mrtd: hex(48),
  rtmr0: hex(48),
  rtmr1: hex(48),
  rtmr2: hex(48),
  rtmr3: hex(48).optional(),
  osImageHash: hex(32),
  keyProvider: z.strictObject({
    name: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a dstack key provider name (kms, local-sgx, …)'),
    id: z
      .string()
      .regex(/^[0-9a-fA-F]{0,256}$/, 'must be hex')
      .transform((s) => s.toLowerCase()),
  }),
  composeHash: hex(32),
  appId: z
    .string()
    .regex(/^[0-9a-fA-F]{2,64}$/, 'must be hex')
    .transform((s) => s.toLowerCase()),
})

/** At most two at once: the release running and the one being rolled out (docs/deploy.md). */
const MAX_SETS = 2

const issuesOf = (e: z.ZodError) =>
  e.issues.map((i) => `${i.path.join('.') || 'value'} ${i.message}`).join(', ')

/** `{…}` or `[{…}, {…}]` → the accepted sets. */
export const measurementsVar = z.string().transform((v, ctx): readonly MeasurementPins[] => {
  let json: unknown
  try {
    json = JSON.parse(v)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON: one measurement set or a list of at most two' })
    return z.NEVER
  }
  const r = z
    .union([PinsSchema.transform((p) => [p]), z.array(PinsSchema).min(1).max(MAX_SETS)])
    .safeParse(json)
  if (!r.success) {
    ctx.addIssue({ code: 'custom', message: issuesOf(r.error) })
    return z.NEVER
  }
  return r.data
})

/** "INTEL-SA-00837, INTEL-SA-01036" → upper-case ids; empty = deny nothing beyond the TCB status list. */
export const advisoriesVar = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((x) => x.trim().toUpperCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^INTEL-SA-[0-9]{5}$/, 'must look like INTEL-SA-00837')).max(256))

/** Pins no real signer matches: an environment without its real values refuses every signer. */
export const NO_PINS: readonly MeasurementPins[] = [
  {
    name: 'unset',
    mrtd: '00'.repeat(48),
    rtmr0: '00'.repeat(48),
    rtmr1: '00'.repeat(48),
    rtmr2: '00'.repeat(48),
    osImageHash: '00'.repeat(32),
    keyProvider: { name: 'kms', id: '00' },
    composeHash: '00'.repeat(32),
    appId: '00',
  },
]
