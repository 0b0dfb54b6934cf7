/**
 * GET /api/accounts/:id/positions against the Soroban RPC stand-in (which serves the Blend mainnet
 * snapshot, a DeFindex vault and a Soroswap pair): a fresh account has no positions and nothing is
 * unavailable; the route needs a session, a well-formed id, and the caller's own account.
 */
import { describe, expect, it } from 'vitest'
import { PositionsViewSchema } from '../../shared/schemas/defi.ts'
import { json, signedInUser, testApp } from './support/app.ts'

const call = testApp()

describe('positions API', () => {
  it("lists an account's (empty) positions, every protocol read", async () => {
    const user = await signedInUser()
    const created = await call('/api/accounts', {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'DeFi', kind: 'user' }),
    })
    const acc = await json<{ accountId: string; publicKey: string }>(created)
    const res = await call(`/api/accounts/${acc.accountId}/positions`, { headers: user.auth })
    expect(res.status).toBe(200)
    const view = PositionsViewSchema.parse(await res.json())
    expect(view).toEqual({
      accountId: acc.accountId,
      publicKey: acc.publicKey,
      blend: [],
      defindex: [],
      unavailable: [],
    })
  })

  it.each([
    ['no session', false, 'acc_AAAAAAAAAAAAAAAAAAAAAA', 401, 'ERR_AUTH_REQUIRED'],
    ['a malformed account id', true, 'not-an-id', 400, 'ERR_VALIDATION'],
    ['an account that is not yours', true, 'acc_AAAAAAAAAAAAAAAAAAAAAA', 404, 'ERR_ACCOUNT_NOT_FOUND'],
  ] as const)('refuses %s', async (_n, signedIn, id, status, code) => {
    const headers = signedIn ? (await signedInUser()).auth : {}
    const res = await call(`/api/accounts/${id}/positions`, { headers })
    expect(res.status).toBe(status)
    expect((await json(res)).code).toBe(code)
  })
})
