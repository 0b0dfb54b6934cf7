/**
 * The PostgreSQL engine's per-user line (signer/store/postgres/user-queue.ts): one transaction per user at a
 * time, in order, and a bounded wait, so a silent database costs a queued request one timeout, not one per
 * request ahead of it. Pure: a manual clock, no database.
 */
import { describe, expect, it } from 'vitest'
import { createUserQueue } from '../../signer/store/postgres/user-queue.ts'
import { StoreUnavailableError } from '../../signer/store/types.ts'

const gate = () => {
  let open: () => void = () => {}
  const opened = new Promise<void>((r) => {
    open = r
  })
  return { opened, open }
}

describe('the per-user line', () => {
  it('runs one task per user at a time, in arrival order; other users do not wait', async () => {
    const line = createUserQueue(10_000)
    const order: string[] = []
    const g = gate()
    const a = line('u1', async () => {
      await g.opened
      order.push('a')
    })
    const b = line('u1', async () => void order.push('b'))
    await line('u2', async () => void order.push('other user'))
    expect(order).toEqual(['other user'])
    g.open()
    await Promise.all([a, b])
    expect(order).toEqual(['other user', 'a', 'b'])
  })

  it('fails the ones behind a task that found the database unavailable, without running them', async () => {
    const line = createUserQueue(10_000)
    const ran: string[] = []
    const g = gate()
    const first = line('u1', async () => {
      await g.opened
      throw new StoreUnavailableError('database unavailable (connection)')
    })
    const second = line('u1', async () => void ran.push('second'))
    g.open()
    await expect(first).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(second).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(ran).toEqual([])
    // Once the line is empty the next request tries the database again.
    await line('u1', async () => void ran.push('later'))
    expect(ran).toEqual(['later'])
  })

  it('does not fail the ones behind a task that was refused for another reason', async () => {
    const line = createUserQueue(10_000)
    const first = line('u1', async () => {
      throw new Error('a refusal, not an outage')
    })
    const second = line('u1', async () => 'ran')
    await expect(first).rejects.toThrow('a refusal')
    await expect(second).resolves.toBe('ran')
  })

  it('fails, without running it, a task that waited in line longer than the bound', async () => {
    let t = 0
    const line = createUserQueue(5_000, () => t)
    const ran: string[] = []
    const g = gate()
    const first = line('u1', async () => {
      await g.opened
      t += 5_001
    })
    const second = line('u1', async () => void ran.push('second'))
    g.open()
    await first
    await expect(second).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(ran).toEqual([])
  })
})
