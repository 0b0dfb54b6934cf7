/**
 * The spending ledger: per-transaction lines (by requestId) and running per-UTC-day totals per user and
 * asset. Every call runs inside the dispatcher's SQLite transaction, so reading the day's total, deciding
 * and recording happen atomically: a burst of concurrent requests is serialised by SQLite and cannot
 * together pass a cap. Amounts are bigint stroops (safeIntegers), never floats.
 */
import type { Db } from './db.ts'

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
}

export type SpendingStore = ReturnType<typeof createSpendingStore>

/** The UTC day an instant belongs to: the caps reset at 00:00 UTC. */
export const utcDay = (now: Date): string => now.toISOString().slice(0, 10)

export function createSpendingStore(db: Db) {
  const forDay = db
    .prepare<[string, string], { asset: string; stroops: bigint }>(
      'SELECT asset, stroops FROM spending_days WHERE user_id = ? AND day = ?',
    )
    .safeIntegers(true)
  const signedBefore = db
    .prepare<[string, string], { n: bigint }>(
      'SELECT COUNT(*) AS n FROM spending WHERE user_id = ? AND tx_hash = ?',
    )
    .safeIntegers(true)
  const insertLine = db.prepare(
    `INSERT INTO spending (request_id, user_id, account_id, day, asset, stroops, tx_hash, approval_id, at)
     VALUES (@requestId, @userId, @accountId, @day, @asset, @stroops, @txHash, @approvalId, @at)`,
  )
  const bump = db.prepare(
    `INSERT INTO spending_days (user_id, day, asset, stroops) VALUES (@userId, @day, @asset, @stroops)
     ON CONFLICT (user_id, day, asset) DO UPDATE SET stroops = stroops + excluded.stroops`,
  )
  return {
    spentOn(userId: string, day: string): Map<string, bigint> {
      return new Map(forDay.all(userId, day).map((r) => [r.asset, BigInt(r.stroops)]))
    },
    /** True when this exact transaction was already signed (and counted) for this user. */
    alreadyCounted: (userId: string, txHash: string): boolean =>
      (signedBefore.get(userId, txHash)?.n ?? 0n) > 0n,
    /** Records the lines; the request id keys them, so a replayed request can never add twice. */
    record(lines: readonly SpendingLine[], countsDaily: boolean): void {
      for (const l of lines) {
        // request_id is the primary key of one line; several assets in one request get suffixed keys.
        insertLine.run({ ...l, requestId: `${l.requestId}#${l.asset}` })
        if (countsDaily) bump.run({ userId: l.userId, day: l.day, asset: l.asset, stroops: l.stroops })
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
