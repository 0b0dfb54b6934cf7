/**
 * Group commit: requests that arrive together are dispatched inside one SQLite transaction, each in its own
 * savepoint (better-sqlite3 nests transactions as savepoints), and every reply is released only after the
 * shared COMMIT. Durability is unchanged (nobody hears "signed" before the audit row and the idempotency
 * record are committed); the per-commit cost, the largest single cost of a signature, is shared.
 * A request that throws rolls back only its own savepoint; a failed COMMIT fails the whole batch, and the
 * callers' retries (same requestId) then run again from scratch.
 */
import type { Database } from 'better-sqlite3'
import { errorReply, type Reply } from './dispatch.ts'
import type { SignerLogger } from './log.ts'
import type { Prepared } from './prepare.ts'
import type { Checked } from './user-proof/verify.ts'

/** Upper bound on one batch, so one flush cannot hold the event loop for long. */
const MAX_BATCH = 128

type Pending = {
  method: string
  body: unknown
  checked: Checked
  prepared: Prepared | undefined
  resolve: (r: Reply) => void
}

export function groupCommit(
  db: Database,
  dispatch: (method: string, body: unknown, checked: Checked, prepared?: Prepared) => Reply,
  log: SignerLogger,
): (method: string, body: unknown, checked?: Checked, prepared?: Prepared) => Promise<Reply> {
  const queue: Pending[] = []
  let scheduled = false

  const runOne = (p: Pending): Reply => {
    try {
      return dispatch(p.method, p.body, p.checked, p.prepared)
    } catch (e) {
      log.error(
        { err: { name: (e as Error).name, message: (e as Error).message }, method: p.method },
        'rpc failed',
      )
      return errorReply({ code: 'ERR_INTERNAL', message: 'internal error' })
    }
  }

  const flush = () => {
    scheduled = false
    const batch = queue.splice(0, MAX_BATCH)
    if (queue.length > 0) schedule()
    let replies: Reply[]
    try {
      replies = db.transaction(() => batch.map(runOne)).immediate()
    } catch (e) {
      log.error(
        { err: { name: (e as Error).name, message: (e as Error).message }, size: batch.length },
        'batch commit failed',
      )
      replies = batch.map(() => errorReply({ code: 'ERR_INTERNAL', message: 'internal error' }))
    }
    for (const [i, p] of batch.entries()) {
      p.resolve(replies[i] ?? errorReply({ code: 'ERR_INTERNAL', message: 'internal error' }))
    }
  }

  const schedule = () => {
    if (scheduled) return
    scheduled = true
    // setImmediate runs after pending I/O callbacks: requests whose bodies arrived in this turn join the batch.
    setImmediate(flush)
  }

  return (method, body, checked = {}, prepared = undefined) =>
    new Promise<Reply>((resolve) => {
      queue.push({ method, body, checked, prepared, resolve })
      schedule()
    })
}
