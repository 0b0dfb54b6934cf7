/** /api/threads: owner-scoped CRUD; another user's thread answers exactly like a missing one. */
import { describe, expect, it } from 'vitest'
import { json, signedInUser, testApp } from './support/app.ts'

const call = testApp()
const MISSING = 'thr_AAAAAAAAAAAAAAAAAAAAAA'
const send = (path: string, method: string, auth: Record<string, string>, body?: unknown) =>
  call(path, {
    method,
    headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })

describe('/api/threads', () => {
  it('create, list, get, rename, messages, delete', async () => {
    const user = await signedInUser()
    const created = await send('/api/threads', 'POST', user.auth, { title: 'Budget' })
    expect(created.status).toBe(201)
    const thread = await json<{ id: string; title: string }>(created)
    expect(thread.title).toBe('Budget')
    const list = await json<{ threads: { id: string }[] }>(await send('/api/threads', 'GET', user.auth))
    expect(list.threads.map((t) => t.id)).toEqual([thread.id])
    expect((await json(await send(`/api/threads/${thread.id}`, 'GET', user.auth))).title).toBe('Budget')
    const renamed = await send(`/api/threads/${thread.id}`, 'PATCH', user.auth, { title: 'Savings' })
    expect((await json(renamed)).title).toBe('Savings')
    expect(await json(await send(`/api/threads/${thread.id}/messages`, 'GET', user.auth))).toEqual({
      threadId: thread.id,
      messages: [],
      moneySteps: [],
    })
    expect((await send(`/api/threads/${thread.id}`, 'DELETE', user.auth)).status).toBe(200)
    expect((await send(`/api/threads/${thread.id}`, 'GET', user.auth)).status).toBe(404)
  })

  it.each([
    ['GET', ''],
    ['PATCH', ''],
    ['DELETE', ''],
    ['GET', '/messages'],
  ])("%s /api/threads/:id%s on another user's thread = 404 like a missing one", async (method, suffix) => {
    const alice = await signedInUser()
    const bob = await signedInUser()
    const { id } = await json<{ id: string }>(await send('/api/threads', 'POST', alice.auth, {}))
    const body = method === 'PATCH' ? { title: 'mine now' } : undefined
    const theirs = await send(`/api/threads/${id}${suffix}`, method, bob.auth, body)
    const missing = await send(`/api/threads/${MISSING}${suffix}`, method, bob.auth, body)
    expect(theirs.status).toBe(404)
    expect(missing.status).toBe(404)
    const [a, b] = [await json(theirs), await json(missing)]
    expect([a.code, a.message]).toEqual([b.code, b.message])
    // Alice's thread is untouched.
    expect((await json(await send(`/api/threads/${id}`, 'GET', alice.auth))).title).toBe('New chat')
    expect((await json<{ threads: unknown[] }>(await send('/api/threads', 'GET', bob.auth))).threads).toEqual(
      [],
    )
  })

  it.each([
    ['signed out', 'GET', '/api/threads', undefined, 401],
    ['bad id', 'GET', '/api/threads/nope', {}, 400],
    ['empty title', 'PATCH', `/api/threads/${MISSING}`, { title: '' }, 400],
    ['unknown key', 'POST', '/api/threads', { title: 'x', userId: 'usr_1' }, 400],
  ])('%s → %s', async (_, method, path, auth, status) => {
    const user = await signedInUser()
    const body =
      method === 'GET' ? undefined : method === 'PATCH' ? { title: '' } : { title: 'x', userId: 'usr_1' }
    const res = await send(path, method, auth === undefined ? {} : user.auth, body)
    expect(res.status).toBe(status)
  })
})
