/**
 * The spending ledger: per-transaction lines (by requestId) and running per-UTC-day totals per user and
 * asset (kept for reports). The caps are checked over the rolling 24 hours before now (`spentSince`), so
 * spending just before and just after midnight cannot add up to twice the day's cap. Fees are lines too,
 * under FEE_LEDGER_KEY: they count against the fee budget the same way.
 * Every call runs inside the dispatcher's SQLite transaction, so reading the window's total, deciding and
 * recording happen atomically: a burst of concurrent requests is serialised by SQLite and cannot together
 * pass a cap or the fee budget. Amounts are bigint stroops (safeIntegers), never floats.
 */
import type { Db } from './db.ts'

/** The ledger key of fees (native stroops); never an asset key ("native" or "CODE:ISSUER"). */
export const FEE_LEDGER_KEY = 'fee'

/** The window the daily caps and the fee budget apply to. */
export const CAP_WINDOW_MS = 24 * 60 * 60 * 1000

export type SpendingLine = {
  readonly requestId: string
  readonly userId: string
  readonly accountId: string
  readonly day: string
  readonly asset: string
  readonly stroops: bigint
  readonly txHash: string
  readonly approvalId: string | null
  readonly at: string
  /** Counts against the caps (false only for an approval that exempts its payment). */
  readonly counts: boolean
}

export type SpendingStore = ReturnType<typeof createSpendingStore>

/** The UTC day an instant belongs to (the report totals' key; the caps use the rolling window). */
export const utcDay = (now: Date): string => now.toISOString().slice(0, 10)

/** The start of the window ending at `now` (exclusive): a line exactly 24 h old no longer counts. */
export const windowStart = (now: Date): string => new Date(now.getTime() - CAP_WINDOW_MS).toISOString()

export function createSpendingStore(db: Db) {
  const since = db
    .prepare<[string, string], { asset: string; stroops: bigint }>(
      `SELECT asset, SUM(stroops) AS stroops FROM spending
        WHERE user_id = ? AND at > ? AND counts = 1 GROUP BY asset`,
    )
    .safeIntegers(true)
  const signedBefore = db
    .prepare<[string, string], { n: bigint }>(
      'SELECT COUNT(*) AS n FROM spending WHERE user_id = ? AND tx_hash = ?',
    )
    .safeIntegers(true)
  const insertLine = db.prepare(
    `INSERT INTO spending (request_id, user_id, account_id, day, asset, stroops, tx_hash, approval_id, at, counts)
     VALUES (@requestId, @userId, @accountId, @day, @asset, @stroops, @txHash, @approvalId, @at, @counts)`,
  )
  const bump = db.prepare(
    `INSERT INTO spending_days (user_id, day, asset, stroops) VALUES (@userId, @day, @asset, @stroops)
     ON CONFLICT (user_id, day, asset) DO UPDATE SET stroops = stroops + excluded.stroops`,
  )
  return {
    /** What the user spent (and paid in fees) in the 24 hours before `now`, per ledger key. */
    spentInWindow(userId: string, now: Date): Map<string, bigint> {
      return new Map(since.all(userId, windowStart(now)).map((r) => [r.asset, BigInt(r.stroops)]))
    },
    /** True when this exact transaction was already signed (and counted) for this user. */
    alreadyCounted: (userId: string, txHash: string): boolean =>
      (signedBefore.get(userId, txHash)?.n ?? 0n) > 0n,
    /** Records the lines; the request id keys them, so a replayed request can never add twice. */
    record(lines: readonly SpendingLine[]): void {
      for (const l of lines) {
        // request_id is the primary key of one line; several assets in one request get suffixed keys.
        insertLine.run({ ...l, requestId: `${l.requestId}#${l.asset}`, counts: l.counts ? 1 : 0 })
        if (l.counts) bump.run({ userId: l.userId, day: l.day, asset: l.asset, stroops: l.stroops })
      }
    },
    /** Every line of a user (tests and reconciliation). */
    linesOf: (userId: string) =>
      db
        .prepare<[string], { request_id: string; asset: string; stroops: bigint; tx_hash: string }>(
          'SELECT request_id, asset, stroops, tx_hash FROM spending WHERE user_id = ? ORDER BY rowid',
        )
        .safeIntegers(true)
        .all(userId),
  }
}
