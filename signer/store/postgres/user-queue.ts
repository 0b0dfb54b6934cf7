/**
 * An in-process FIFO per user: a replica sends at most one transaction per user to the database at a time,
 * and the others wait here, holding no pooled connection. Without it a burst for one user (200 requests)
 * would fill the pool with connections all waiting on the same advisory lock and starve every other user
 * into StoreUnavailableError. Correctness still comes from the advisory lock (other replicas); this only
 * keeps the wait out of the pool.
 *
 * The wait is bounded, so a silent database (a partition) costs a queued request one timeout, never one per
 * request ahead of it: a request whose predecessor found the database unavailable fails at once with the
 * same error, and a request that waited `maxWaitMs` in line fails without starting. Either way nothing ran,
 * so the edge's retry (same requestId, maybe another replica) is safe.
 */
import { StoreUnavailableError } from '../types.ts'

export type UserQueue = <T>(userId: string, task: () => Promise<T>) => Promise<T>

/** How the one ahead in line ended: only "unavailable" matters to the ones behind it. */
type Ended = { readonly unavailable: StoreUnavailableError | undefined }

export function createUserQueue(maxWaitMs: number, now: () => number = Date.now): UserQueue {
  const tails = new Map<string, Promise<Ended>>()
  return async (userId, task) => {
    const before = tails.get(userId) ?? Promise.resolve<Ended>({ unavailable: undefined })
    let end: (e: Ended) => void = () => {}
    const mine = new Promise<Ended>((resolve) => {
      end = resolve
    })
    tails.set(userId, mine)
    const queuedAt = now()
    let outcome: Ended = { unavailable: undefined }
    try {
      const ahead = await before
      if (ahead.unavailable) {
        outcome = ahead
        throw new StoreUnavailableError(ahead.unavailable.message)
      }
      if (now() - queuedAt > maxWaitMs) {
        throw new StoreUnavailableError('database busy: waited too long in line for this user')
      }
      try {
        return await task()
      } catch (err) {
        if (err instanceof StoreUnavailableError) outcome = { unavailable: err }
        throw err
      }
    } finally {
      end(outcome)
      // The last in line removes the entry: the map holds only users with work in flight.
      if (tails.get(userId) === mine) tails.delete(userId)
    }
  }
}
