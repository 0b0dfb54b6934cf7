/**
 * Idempotency records keyed by requestId, over SQLite. A retry gets the first response back (dispatch.ts);
 * records only need to outlive the issuedAt window, so old ones are pruned.
 */
import type { RawTx, RequestRow, Stored } from '../types.ts'
import type { Db } from './db.ts'

/** Twice the clock-skew window each way, with margin: older records can never be replayed. */
export const REQUEST_RETENTION_MS = 10 * 60_000

export function requestRows(db: Db): RawTx['requests'] {
  const get = db.prepare<[string], Stored<RequestRow>>('SELECT * FROM requests WHERE request_id = ?')
  const insert = db.prepare(
    `INSERT INTO requests (request_id, fingerprint, status, response, created_ms, mac)
     VALUES (@request_id, @fingerprint, @status, @response, @created_ms, @mac)`,
  )
  return {
    get: async (requestId) => get.get(requestId),
    async insert(row) {
      insert.run(row)
    },
  }
}

export function pruneRequests(db: Db): (nowMs: number) => void {
  const prune = db.prepare<[number]>('DELETE FROM requests WHERE created_ms < ?')
  return (nowMs) => {
    prune.run(nowMs - REQUEST_RETENTION_MS)
  }
}
