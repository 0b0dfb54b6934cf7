/**
 * /api/approvals and /api/audit over workerd and the real mTLS signer: a transaction above the threshold
 * opens an approval; approving needs a passkey assertion over a challenge that commits to its tx hash; an
 * assertion made for another approval is refused; the signer then signs that exact transaction once.
 */
import { env } from 'cloudflare:workers'
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { Account, Asset, Keypair, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { approvalBinding } from '../../edge/approvals/schemas.ts'
import { challengeCommitsTo } from '../../edge/auth/challenges.ts'
import { loadConfig } from '../../edge/config.ts'
import type { Env } from '../../edge/env.ts'
import { createSignerClient } from '../../edge/signer-client/client.ts'
import { AppError } from '../../shared/errors.ts'
import { json, testApp } from './support/app.ts'
import { errorCode, type Options, post, register } from './support/auth-flows.ts'
import { sealedImport } from './support/seal.ts'

const signer = () =>
  createSignerClient(env as unknown as Env, loadConfig(env as unknown as Record<string, unknown>))

const HORIZON = String(Reflect.get(env, 'HORIZON_URL'))

function bigPayment(source: string, seq: string, destination = Keypair.random().publicKey()): string {
  return new TransactionBuilder(new Account(source, seq), { fee: '100', networkPassphrase: Networks.TESTNET })
    .addOperation(Operation.payment({ destination, asset: Asset.native(), amount: '150' }))
    .setTimeout(120)
    .build()
    .toEnvelope()
    .toXDR('base64')
}

type Approval = { approvalId: string; txHash: string; status: string }

async function setup() {
  const c = testApp()
  const r = await register(c)
  const kp = Keypair.random()
  const imported = await post(
    c,
    '/api/accounts/import',
    { sealed: await sealedImport(c, r.auth, kp.secret()) },
    r.auth,
  )
  const { accountId } = await json<{ accountId: string }>(imported)
  const sign = signer()
  const ask = async (seq: string, destination?: string) => {
    const xdr = bigPayment(kp.publicKey(), seq, destination)
    try {
      await sign('tx.sign', r.userId, { accountId, xdr })
    } catch (e) {
      if (e instanceof AppError && e.code === 'ERR_APPROVAL_REQUIRED') {
        return { xdr, details: e.details as { approvalId: string; txHash: string } }
      }
      throw e
    }
    throw new Error('expected ERR_APPROVAL_REQUIRED')
  }
  return { c, r, accountId, sign, ask, publicKey: kp.publicKey() }
}

describe('/api/approvals', () => {
  it('lists, approves with a passkey assertion committing to the hash, and the payment lands; once only', async () => {
    const { c, r, accountId, sign, ask, publicKey } = await setup()
    expect((await post(c, `/api/accounts/${accountId}/fund`, undefined, r.auth)).status).toBe(200)
    const dest = Keypair.random().publicKey()
    expect((await fetch(`${HORIZON}/friendbot?addr=${dest}`)).status).toBe(200)
    const onLedger = (await (await fetch(`${HORIZON}/accounts/${publicKey}`)).json()) as { sequence: string }
    const { xdr, details } = await ask(onLedger.sequence, dest)
    const list = await json<{ approvals: Approval[] }>(await c('/api/approvals', { headers: r.auth }))
    expect(list.approvals.map((a) => a.approvalId)).toContain(details.approvalId)

    const optRes = await post(c, `/api/approvals/${details.approvalId}/options`, undefined, r.auth)
    expect(optRes.status).toBe(200)
    const opts = await json<Options<PublicKeyCredentialRequestOptionsJSON>>(optRes)
    expect(
      await challengeCommitsTo(
        opts.options.challenge,
        'approve',
        approvalBinding(details.approvalId, details.txHash),
      ),
    ).toBe(true)
    const response = await r.authenticator.get(opts.options)
    const approved = await post(
      c,
      `/api/approvals/${details.approvalId}/approve`,
      { challengeId: opts.challengeId, response },
      r.auth,
    )
    expect(approved.status).toBe(200)
    const done = await json<Approval & { hash: string; ledger: number; preview: { legs: unknown[] } }>(
      approved,
    )
    expect(done.status).toBe('approved')
    // Approving signs exactly that transaction and submits it: it is on the ledger.
    expect(done.hash).toBe(details.txHash)
    expect(done.preview.legs).toEqual([
      { kind: 'payment', from: publicKey, to: dest, asset: 'native', amount: '150' },
    ])
    const destNow = (await (await fetch(`${HORIZON}/accounts/${dest}`)).json()) as {
      balances: { asset_type: string; balance: string }[]
    }
    expect(destNow.balances.find((b) => b.asset_type === 'native')?.balance).toBe('10150.0000000')
    // The approval is spent: the same transaction cannot be signed under it again.
    await expect(
      sign('tx.sign', r.userId, { accountId, xdr, approvalId: details.approvalId }),
    ).rejects.toMatchObject({
      code: 'ERR_APPROVAL_INVALID',
    })
  })

  it('an assertion made for another approval is refused', async () => {
    const { c, r, ask } = await setup()
    const a = await ask('20')
    const b = await ask('21')
    const opts = await json<Options<PublicKeyCredentialRequestOptionsJSON>>(
      await post(c, `/api/approvals/${a.details.approvalId}/options`, undefined, r.auth),
    )
    const response = await r.authenticator.get(opts.options)
    const wrong = await post(
      c,
      `/api/approvals/${b.details.approvalId}/approve`,
      { challengeId: opts.challengeId, response },
      r.auth,
    )
    expect(wrong.status).toBe(401)
    expect(await errorCode(wrong)).toBe('ERR_AUTH_INVALID')
    const still = await json<Approval>(await c(`/api/approvals/${b.details.approvalId}`, { headers: r.auth }))
    expect(still.status).toBe('pending')
  })

  it('reject needs only the session; another user sees nothing', async () => {
    const { c, r, ask } = await setup()
    const a = await ask('30')
    const other = await register(c)
    const foreign = await post(c, `/api/approvals/${a.details.approvalId}/reject`, undefined, other.auth)
    expect(await errorCode(foreign)).toBe('ERR_NOT_FOUND')
    const rejected = await post(c, `/api/approvals/${a.details.approvalId}/reject`, undefined, r.auth)
    expect((await json<Approval>(rejected)).status).toBe('rejected')
    const opt = await post(c, `/api/approvals/${a.details.approvalId}/options`, undefined, r.auth)
    expect(await errorCode(opt)).toBe('ERR_APPROVAL_INVALID')
  })

  it('needs a session', async () => {
    const c = testApp()
    expect((await c('/api/approvals')).status).toBe(401)
    expect((await c('/api/audit')).status).toBe(401)
  })
})

describe('/api/audit', () => {
  it('returns the caller’s own entries, with denials and their reason code', async () => {
    const { c, r, ask } = await setup()
    await ask('40')
    const res = await c('/api/audit?limit=50', { headers: r.auth })
    expect(res.status).toBe(200)
    const { entries } = await json<{ entries: { method: string; reasonCode: string | null }[] }>(res)
    expect(entries.some((e) => e.method === 'tx.sign' && e.reasonCode === 'ERR_APPROVAL_REQUIRED')).toBe(true)
    expect(entries.some((e) => e.method === 'accounts.import')).toBe(true)
    const other = await register(c)
    const theirs = await json<{ entries: unknown[] }>(await c('/api/audit', { headers: other.auth }))
    expect(theirs.entries).toEqual([])
  })
})
