import { describe, expect, it } from 'vitest'
import { type Clock, json, signedInUser, testApp } from './support/app.ts'

// Adding a passkey needs more than a valid session: a fresh assertion, or a recovery session under 15 minutes.
describe('POST /auth/passkeys/options guard', () => {
  const MIN = 60_000
  it.each([
    ['fresh session (assertion 1 min ago)', { fresh: true, age: 1 * MIN }, 200],
    ['recovery-style session 10 min old', { fresh: false, age: 10 * MIN }, 200],
    ['stale session (assertion 6 min ago)', { fresh: true, age: 6 * MIN }, 403],
    ['recovery-style session 16 min old', { fresh: false, age: 16 * MIN }, 403],
    ['stale session 3 hours old', { fresh: true, age: 180 * MIN }, 403],
  ])('%s → %i', async (_label, s, status) => {
    const start = Date.now()
    const user = await signedInUser({ now: start, fresh: s.fresh })
    const clock: Clock = { now: start + s.age }
    const call = testApp({ clock })
    const res = await call('/auth/passkeys/options', { method: 'POST', headers: user.auth })
    expect(res.status).toBe(status)
    if (status === 403) expect((await json(res)).code).toBe('ERR_AUTH_REAUTH_REQUIRED')
  })
})
