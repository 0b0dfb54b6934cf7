/**
 * The app compose the CVM booted: dstack measures SHA-256 of its exact bytes as the `compose-hash` event, so
 * we hash the text as received. Re-serialising the JSON (sorted keys, other spacing) would give another hash
 * and either refuse the genuine signer or, worse, invite a verifier to accept a compose it never hashed.
 *
 * Threat stopped: a signer document whose compose text is not the one measured (its hash must equal the
 * measured compose-hash and the pin); the `event_log_version` we replay with is read from this measured text,
 * never from the unsigned log.
 */
import { sha256 } from '@noble/hashes/sha2'
import { toHex } from '../../shared/attestation.ts'
import { err, ok, type Result } from '../../shared/result.ts'
import type { EventLogVersion } from './event-log.ts'
import type { QuoteProblem } from './quote.ts'

export const MAX_APP_COMPOSE_BYTES = 64 * 1024

export type AppCompose = { readonly hash: string; readonly eventLogVersion: EventLogVersion }

const enc = new TextEncoder()

export function readAppCompose(text: string): Result<AppCompose, QuoteProblem> {
  const bytes = enc.encode(text)
  if (bytes.length > MAX_APP_COMPOSE_BYTES)
    return err({ check: 'app-compose', detail: 'app compose is too large' })
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return err({ check: 'app-compose', detail: 'app compose is not JSON' })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return err({ check: 'app-compose', detail: 'app compose is not an object' })
  }
  // dstack-types AppCompose: absent (or 1) = V1 digests, 2 = V2 (canonical JSON); anything else is refused there.
  const v = (json as Record<string, unknown>).event_log_version
  if (v !== undefined && v !== 1 && v !== 2) {
    return err({ check: 'app-compose', detail: 'unknown event_log_version' })
  }
  return ok({ hash: toHex(sha256(bytes)), eventLogVersion: v === 2 ? 2 : 1 })
}
