/**
 * The sealed spending ledger over an engine's rows. Threat this stops: a database that lowers what a user
 * spent (a line's stroops set to zero, lines deleted, a line moved from another user or key) to let a
 * compromised edge spend past the caps. The window's total is head − boundary cum (ledger.ts), both rows
 * MAC-checked; a missing head for a user who has accounts is tampering, never a zero.
 */
import { appendLines, windowStart, windowTotals, zeroHead } from './ledger.ts'
import type { RowKeys } from './row-mac.ts'
import { openRow, openRows, SPENDING_HEADS, SPENDING_LINES, sealRow } from './row-tables.ts'
import {
  type NewSpendingLine,
  type RawTx,
  type SpendingHeadRow,
  StoreTamperedError,
  StoreUnavailableError,
  type Tx,
} from './types.ts'

export function sealedSpending(raw: RawTx, keys: RowKeys): Tx['spending'] {
  /**
   * The user's checked head. Absent: a zero head for a user with no accounts and no lines (nothing to sign
   * with, nothing recorded); otherwise the head was deleted, and that is a refusal.
   */
  async function headOf(
    userId: string,
  ): Promise<{ readonly head: SpendingHeadRow; readonly stored: boolean }> {
    const stored = await raw.spending.head(userId)
    if (stored) return { head: openRow(keys, SPENDING_HEADS, stored), stored: true }
    if ((await raw.accounts.count(userId)) > 0 || (await raw.spending.linesOf(userId)).length > 0) {
      throw new StoreTamperedError(SPENDING_HEADS.name, userId)
    }
    return { head: zeroHead(userId), stored: false }
  }

  async function putHead(head: SpendingHeadRow, expectedLines: number | undefined): Promise<void> {
    // Serialised per user by the engine: a raced head means a writer outside that lock; refuse, retry.
    if (!(await raw.spending.putHead(sealRow(keys, SPENDING_HEADS, head), expectedLines))) {
      throw new StoreUnavailableError('the spending head changed under a concurrent writer')
    }
  }

  return {
    async spentInWindow(userId, now) {
      const { head } = await headOf(userId)
      const start = windowStart(now)
      const boundary = new Map<string, bigint>()
      for (const key of Object.keys(head.totals)) {
        const line = await raw.spending.lastLineAtOrBefore(userId, key, start)
        if (!line) continue
        const open = openRow(keys, SPENDING_LINES, line)
        // A line of another user, key or a later instant answered for this boundary: not this ledger's.
        if (open.user_id !== userId || open.asset !== key || open.at > start) {
          throw new StoreTamperedError(SPENDING_LINES.name, SPENDING_LINES.keyOf(open))
        }
        boundary.set(key, open.cum)
      }
      const totals = windowTotals(head, (key) => boundary.get(key))
      if (!totals.ok) throw new StoreTamperedError(SPENDING_HEADS.name, `${userId}/${totals.key}`)
      return totals.spent
    },

    async alreadyCounted(userId, txHash) {
      const lines = openRows(keys, SPENDING_LINES, await raw.spending.linesForHash(userId, txHash))
      for (const l of lines) {
        if (l.user_id !== userId || l.tx_hash !== txHash) {
          throw new StoreTamperedError(SPENDING_LINES.name, SPENDING_LINES.keyOf(l))
        }
      }
      return lines.length > 0
    },

    async record(lines: readonly NewSpendingLine[]) {
      const byUser = new Map<string, NewSpendingLine[]>()
      for (const l of lines) byUser.set(l.userId, [...(byUser.get(l.userId) ?? []), l])
      for (const [userId, ofUser] of byUser) {
        const before = await headOf(userId)
        const next = appendLines(before.head, ofUser)
        for (const row of next.rows) {
          await raw.spending.insertLine(sealRow(keys, SPENDING_LINES, row))
          if (row.counts) await raw.spending.bumpDay(userId, row.day, row.asset, row.stroops)
        }
        await putHead(next.head, before.stored ? before.head.lines : undefined)
      }
    },

    async ensureHead(userId) {
      const { head, stored } = await headOf(userId)
      if (!stored) await putHead(head, undefined)
    },

    async linesOf(userId) {
      return openRows(keys, SPENDING_LINES, await raw.spending.linesOf(userId))
    },
  }
}
