/**
 * The spending ledger's arithmetic, pure. Threat this stops: a database that lowers what a user spent by
 * editing or deleting rows. A rolling-window total is not a SUM over rows nobody authenticated: every line
 * carries `cum`, the user's counted total of its ledger key up to and including it, and a per-user head
 * carries the total of every key ever. Both are MAC'd (sealed.ts), so
 *
 *   spent in (now − 24 h, now] = head.totals[key] − cum(newest line of key at or before now − 24 h)
 *
 * is two authenticated rows. Deleting a line inside the window changes nothing (the head still counts it);
 * deleting the boundary line makes the total larger (an older, smaller cum is found), never smaller.
 * Fees are lines too, under FEE_LEDGER_KEY. Amounts are bigint stroops, never floats.
 */
import type { NewSpendingLine, SpendingHeadRow, SpendingLineRow } from './types.ts'

/** The ledger key of fees (native stroops); never an asset key ("native" or "CODE:ISSUER"). */
export const FEE_LEDGER_KEY = 'fee'

/** The window the daily caps and the fee budget apply to. */
export const CAP_WINDOW_MS = 24 * 60 * 60 * 1000

/** The UTC day an instant belongs to (the report totals' key; the caps use the rolling window). */
export const utcDay = (now: Date): string => now.toISOString().slice(0, 10)

/** The start of the window ending at `now` (exclusive): a line exactly 24 h old no longer counts. */
export const windowStart = (now: Date): string => new Date(now.getTime() - CAP_WINDOW_MS).toISOString()

export const zeroHead = (userId: string): SpendingHeadRow => ({ user_id: userId, totals: {}, lines: 0 })

/** A line's primary key: one line per (request, ledger key), so a replayed request never adds twice. */
export const lineKey = (requestId: string, asset: string): string => `${requestId}#${asset}`

/** The head's total of `key` (0 before its first line). */
export const headTotal = (head: SpendingHeadRow, key: string): bigint => BigInt(head.totals[key] ?? '0')

/** A line's cum: its key's total so far, plus its stroops when it counts (an uncounted line carries it). */
export function nextCum(
  totals: Readonly<Record<string, string>>,
  key: string,
  stroops: bigint,
  counts: boolean,
): bigint {
  if (stroops < 0n) throw new RangeError('a ledger line is never negative')
  return BigInt(totals[key] ?? '0') + (counts ? stroops : 0n)
}

/**
 * The rows to insert for `lines` after `head`, and the head after them. A counted line adds its stroops to
 * its key's cum; an uncounted one (an exempting approval) carries the previous cum.
 */
export function appendLines(
  head: SpendingHeadRow,
  lines: readonly NewSpendingLine[],
): { readonly rows: SpendingLineRow[]; readonly head: SpendingHeadRow } {
  const totals: Record<string, string> = { ...head.totals }
  const rows: SpendingLineRow[] = []
  for (const l of lines) {
    if (l.userId !== head.user_id) throw new Error('ledger lines of another user than the head')
    const cum = nextCum(totals, l.asset, l.stroops, l.counts)
    totals[l.asset] = cum.toString()
    rows.push({
      request_id: lineKey(l.requestId, l.asset),
      user_id: l.userId,
      account_id: l.accountId,
      day: l.day,
      asset: l.asset,
      stroops: l.stroops,
      tx_hash: l.txHash,
      approval_id: l.approvalId,
      at: l.at,
      counts: l.counts,
      cum,
    })
  }
  return { rows, head: { user_id: head.user_id, totals, lines: head.lines + lines.length } }
}

export type WindowTotals =
  | { readonly ok: true; readonly spent: Map<string, bigint> }
  | { readonly ok: false; readonly key: string }

/**
 * Per key of the head: its total minus the boundary line's cum (`undefined`: no line at or before the
 * window's start, so everything counts). A boundary cum above the head's total cannot come from one
 * consistent ledger (a head restored from an older copy, or reset): refused, naming the key. Keys with
 * nothing spent in the window are left out, as the old SUM … GROUP BY did.
 */
export function windowTotals(
  head: SpendingHeadRow,
  boundaryCum: (key: string) => bigint | undefined,
): WindowTotals {
  const spent = new Map<string, bigint>()
  for (const key of Object.keys(head.totals)) {
    const total = headTotal(head, key)
    const before = boundaryCum(key) ?? 0n
    if (before > total) return { ok: false, key }
    if (total > before) spent.set(key, total - before)
  }
  return { ok: true, spent }
}
