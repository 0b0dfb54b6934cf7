/**
 * Idempotency records keyed by requestId. A retry gets the first response back; the same id with another
 * user, method or params is a conflict (a replayed id must not be reusable for different work).
 * Records only need to outlive the issuedAt window, so old ones are pruned.
 */
import type { Db } from './db.ts'

export type RequestRow = {
  readonly request_id: string
  readonly fingerprint: string
  readonly status: number
  readonly response: string | null
  readonly created_ms: number
}

/** Twice the clock-skew window each way, with margin: older records can never be replayed. */
export const REQUEST_RETENTION_MS = 10 * 60_000

export type RequestStore = ReturnType<typeof createRequestStore>

export function createRequestStore(db: Db) {
  const get = db.prepare<[string], RequestRow>('SELECT * FROM requests WHERE request_id = ?')
  const insert = db.prepare(
    `INSERT INTO requests (request_id, fingerprint, status, response, created_ms)
     VALUES (@request_id, @fingerprint, @status, @response, @created_ms)`,
  )
  const prune = db.prepare<[number]>('DELETE FROM requests WHERE created_ms < ?')
  return {
    get: (requestId: string): RequestRow | undefined => get.get(requestId),
    insert: (row: RequestRow): void => {
      insert.run(row)
    },
    prune: (nowMs: number): number => prune.run(nowMs - REQUEST_RETENTION_MS).changes,
  }
}
