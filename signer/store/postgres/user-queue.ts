/**
 * An in-process FIFO per user: a replica sends at most one transaction per user to the database at a time,
 * and the others wait here, holding no pooled connection. Without it a burst for one user (200 requests)
 * would fill the pool with connections all waiting on the same advisory lock and starve every other user
 * into StoreUnavailableError. Correctness still comes from the advisory lock (other replicas); this only
 * keeps the wait out of the pool.
 */
export type UserQueue = <T>(userId: string, task: () => Promise<T>) => Promise<T>

export function createUserQueue(): UserQueue {
  const tails = new Map<string, Promise<void>>()
  return async (userId, task) => {
    const before = tails.get(userId) ?? Promise.resolve()
    let done: () => void = () => {}
    const mine = new Promise<void>((resolve) => {
      done = resolve
    })
    const tail = before.then(() => mine)
    tails.set(userId, tail)
    await before
    try {
      return await task()
    } finally {
      done()
      // The last in line removes the entry: the map holds only users with work in flight.
      if (tails.get(userId) === tail) tails.delete(userId)
    }
  }
}
