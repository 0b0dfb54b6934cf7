/**
 * isLoosening(old, next): does a change to a user's own policy allow anything the old one did not? Pure, so
 * it has table tests. A limit that goes up or disappears (falling back to the deployment's, which is never
 * lower) loosens; an allow-list that gains an address, or disappears, widens. Threats this stops: an edge
 * quietly raising a user's own caps or adding its own destination; only the user, proven to the signer,
 * may do that. Tightening needs no proof. When in doubt (an amount that does not parse), it says loosening.
 */
import { amountProblem, toStroops } from '../../shared/schemas/money.ts'
import type { UserPolicy } from './config.ts'

const FIELDS = ['perTx', 'daily', 'approvalAbove'] as const

/** Absent = no user limit: the deployment's applies, and it is never lower than a user's own. */
function looserLimit(old: string | undefined, next: string | undefined): boolean {
  if (old === undefined) return false
  if (next === undefined) return true
  if (amountProblem(old) || amountProblem(next)) return true
  return toStroops(next) > toStroops(old)
}

function widerList(old: readonly string[] | undefined, next: readonly string[] | undefined): boolean {
  if (old === undefined) return false
  if (next === undefined) return true
  const allowed = new Set(old)
  return next.some((d) => !allowed.has(d))
}

export function isLoosening(old: UserPolicy | undefined, next: UserPolicy): boolean {
  const before = old ?? { assets: {}, destinations: {} }
  for (const [key, limits] of Object.entries(before.assets)) {
    const after = next.assets[key]
    for (const f of FIELDS) if (looserLimit(limits[f], after?.[f])) return true
  }
  for (const [accountId, list] of Object.entries(before.destinations)) {
    if (widerList(list, next.destinations[accountId])) return true
  }
  return false
}
