/**
 * Is this signer's audit head one the deployment can accept? Pure: the caller reads what D1 knows (the
 * highest seq seen on this chain, and the hash seen at this very seq, if any) and passes it in.
 *
 * Threat stopped: a signer database rolled back (a restored snapshot, a volume swapped for an older one) or
 * forked (two databases diverging under one deployment). Replaying an older state would let spent caps,
 * used approvals and removed passkeys come back. The signer signs its head (seq, hash) into every response
 * that reached its transaction (shared/attestation.ts); the edge refuses:
 * - a 2xx without a head (a success must have been audited);
 * - a seq already seen with another hash (a fork, or a rollback that has since written again);
 * - a seq more than `window` below the highest seen (a rollback too far back to be a late answer).
 * Concurrent answers arrive out of order (seq 41 after 42): anything within `window` of the highest passes.
 * A fork is remembered (`forked`): the signer committed the refused request anyway, so a rolled-back chain
 * that kept being written would otherwise climb past the highest seen and pass again. Every later answer
 * of that chain is refused until an operator decides which database is the truth (docs/deploy.md).
 * Not stopped: a rollback by fewer entries than `window` that has not yet rewritten a seq the edge saw (it is
 * caught by the first answer at such a seq), and a rollback the edge never saw the newer state of.
 */
import type { SignedAuditHead } from '../../shared/attestation.ts'
import { err, ok, type Result } from '../../shared/result.ts'

/**
 * How far behind the highest seen a head may be and still be a late answer, in audit entries. An answer is
 * at most one timeout (8 s) old; at ~100 audited requests per second across the deployment that is ~800.
 * The edge keeps this many recent heads per chain, so a fork within the window is always seen.
 */
export const HEAD_WINDOW = 1024

/** What D1 knows about the chain, for this head. */
export type HeadsSeen = {
  /** A fork was detected on this chain earlier (and not cleared by an operator). */
  readonly forked: boolean
  readonly highest: number | undefined
  /** The hash recorded at this head's seq, if that seq was seen. */
  readonly hashAtSeq: string | undefined
}

export type HeadProblem = {
  readonly kind: 'missing' | 'fork' | 'forked' | 'behind'
  readonly detail: string
}

export function checkHead(
  status: number,
  head: SignedAuditHead | undefined,
  seen: HeadsSeen,
  window: number = HEAD_WINDOW,
): Result<void, HeadProblem> {
  if (head === undefined) {
    // Errors before the transaction (a bad envelope, a draining signer) carry none; a success always does.
    return status >= 200 && status < 300
      ? err({ kind: 'missing', detail: `a ${status} answer without an audit head` })
      : ok(undefined)
  }
  if (seen.forked) return err({ kind: 'forked', detail: 'this audit chain forked earlier' })
  if (seen.hashAtSeq !== undefined && seen.hashAtSeq !== head.hash) {
    return err({ kind: 'fork', detail: `audit seq ${head.seq} was seen with another hash` })
  }
  if (seen.highest !== undefined && head.seq < seen.highest - window) {
    return err({
      kind: 'behind',
      detail: `audit seq ${head.seq} is more than ${window} below the highest seen (${seen.highest})`,
    })
  }
  return ok(undefined)
}
