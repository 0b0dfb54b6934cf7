/**
 * Listing returns every account a user has, over workerd and the real mTLS signer: a user at the quota
 * (100 accounts, half of them agent accounts) sees all 100 in /api/accounts and all 50 agent accounts in
 * /api/agent/accounts; the 101st create is ERR_ACCOUNT_QUOTA (409), not a silent drop.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../edge/config.ts'
import type { Env } from '../../edge/env.ts'
import { createSignerClient } from '../../edge/signer-client/client.ts'
import { json, signedInUser, testApp } from './support/app.ts'

const call = testApp()
const signer = () =>
  createSignerClient(env as unknown as Env, loadConfig(env as unknown as Record<string, unknown>))

type Listed = { accounts: { accountId: string; kind: string }[] }

describe('account listing at the quota', () => {
  it('shows all 100 accounts and all 50 agent accounts; the 101st is ERR_ACCOUNT_QUOTA', async () => {
    const user = await signedInUser()
    const sign = signer()
    // Straight to the signer: the edge's money rate limit (20 creates an hour) is not what is tested here.
    const ids: string[] = []
    for (let i = 0; i < 100; i++) {
      const a = await sign('accounts.create', user.userId, { kind: i % 2 ? 'agent' : 'user' })
      ids.push(a.accountId)
    }
    const all = await json<Listed>(await call('/api/accounts', { headers: user.auth }))
    expect(all.accounts.map((a) => a.accountId).sort()).toEqual([...ids].sort())
    const agents = await json<Listed>(await call('/api/agent/accounts', { headers: user.auth }))
    expect(agents.accounts).toHaveLength(50)
    expect(agents.accounts.every((a) => a.kind === 'agent')).toBe(true)
    const over = await call('/api/accounts', {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'agent' }),
    })
    expect(over.status).toBe(409)
    expect((await json<{ code: string }>(over)).code).toBe('ERR_ACCOUNT_QUOTA')
  }, 60_000)
})
