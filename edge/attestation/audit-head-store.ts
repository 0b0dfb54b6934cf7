/**
 * The audit heads this deployment has seen, in D1 (migration 0005), and the one check every signed answer
 * passes (audit-head.ts). One batch per answer: three reads and, for a call that changes state, one
 * conditional insert (with a prune of rows older than the window, rarely touching any row). Read-only calls
 * are checked against what is known but write nothing: their heads are bounded by the next writing call's,
 * and a read cannot spend, approve or remove anything, so the one D1 write per answer goes where it counts.
 *
 * A batch is one D1 transaction, and D1 serialises writers: two isolates shown two forks at one seq cannot
 * both record theirs; the second sees the first's hash and refuses.
 */
import type { SignedAuditHead } from '../../shared/attestation.ts'
import type { Result } from '../../shared/result.ts'
import { checkHead, HEAD_WINDOW, type HeadProblem } from './audit-head.ts'

export type HeadCheck = {
  readonly chain: string
  readonly status: number
  readonly head: SignedAuditHead | undefined
  /** Record the head (a call that may change state); false: check only. */
  readonly record: boolean
  readonly nowMs: number
  readonly window?: number
}

export async function admitHead(db: D1Database, c: HeadCheck): Promise<Result<void, HeadProblem>> {
  const window = c.window ?? HEAD_WINDOW
  const { head } = c
  if (head === undefined) {
    return checkHead(c.status, undefined, { forked: false, highest: undefined, hashAtSeq: undefined })
  }
  const reads = [
    db.prepare('SELECT 1 AS forked FROM signer_audit_forks WHERE chain = ?1').bind(c.chain),
    db.prepare('SELECT hash FROM signer_audit_heads WHERE chain = ?1 AND seq = ?2').bind(c.chain, head.seq),
    db.prepare('SELECT MAX(seq) AS highest FROM signer_audit_heads WHERE chain = ?1').bind(c.chain),
  ]
  const writes = c.record
    ? [
        // Only a head the check will accept is kept (within the window, not a second hash at a seq).
        db
          .prepare(
            `INSERT INTO signer_audit_heads (chain, seq, hash, seen_at)
             SELECT ?1, ?2, ?3, ?4
             WHERE ?2 >= COALESCE((SELECT MAX(seq) FROM signer_audit_heads WHERE chain = ?1), 0) - ?5
             ON CONFLICT (chain, seq) DO NOTHING`,
          )
          .bind(c.chain, head.seq, head.hash, c.nowMs, window),
        db
          .prepare(
            `DELETE FROM signer_audit_heads WHERE chain = ?1
             AND seq < (SELECT MAX(seq) FROM signer_audit_heads WHERE chain = ?1) - ?2`,
          )
          .bind(c.chain, window),
      ]
    : []
  const [fork, atSeq, max] = await db.batch([...reads, ...writes])
  const hashAtSeq = (atSeq?.results[0] as { hash?: unknown } | undefined)?.hash
  const highest = (max?.results[0] as { highest?: unknown } | undefined)?.highest
  const verdict = checkHead(
    c.status,
    head,
    {
      forked: (fork?.results.length ?? 0) > 0,
      highest: typeof highest === 'number' ? highest : undefined,
      hashAtSeq: typeof hashAtSeq === 'string' ? hashAtSeq : undefined,
    },
    window,
  )
  // The only write on a refusal: a fork is remembered for the whole deployment, not only this isolate.
  if (!verdict.ok && verdict.error.kind === 'fork') {
    await db
      .prepare(
        `INSERT INTO signer_audit_forks (chain, seq, hash, detected_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (chain) DO NOTHING`,
      )
      .bind(c.chain, head.seq, head.hash, c.nowMs)
      .run()
  }
  return verdict
}
