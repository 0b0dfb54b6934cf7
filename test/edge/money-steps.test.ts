/**
 * Money steps beside a thread (edge/agent/money-steps.ts): a step only moves forward, is owner-scoped, and
 * the approval routes keep it in line with the decision, so GET /api/threads/:id/messages tells a returning
 * user what happened (pending, rejected, submitted with hash and ledger). Also the dev loopback redirect.
 */
import { env } from 'cloudflare:workers'
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { Account, Asset, Keypair, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { canMove, listSteps, markApprovalStep, recordStep, stepOf } from '../../edge/agent/money-steps.ts'
import { createThread } from '../../edge/agent/thread-store.ts'
import { loadConfig } from '../../edge/config.ts'
import type { Env } from '../../edge/env.ts'
import { loopbackRedirect } from '../../edge/routes/static.ts'
import { createSignerClient, SignerRefusal } from '../../edge/signer-client/client.ts'
import type { ChatEvent } from '../../shared/schemas/chat-events.ts'
import type { MoneyStep, MoneyStepStatus } from '../../shared/schemas/threads.ts'
import { json, signedInUser, testApp } from './support/app.ts'
import { importWithProof, type Options, post, register } from './support/auth-flows.ts'

const HORIZON = String(Reflect.get(env, 'HORIZON_URL'))
const HASH = 'ab'.repeat(32)
const APR = 'apr_AAAAAAAAAAAAAAAAAAAAAA'

describe('canMove: a step only moves forward', () => {
  it.each<[MoneyStepStatus, MoneyStepStatus, boolean]>([
    ['pending', 'approved', true],
    ['pending', 'rejected', true],
    ['pending', 'expired', true],
    ['approved', 'submitted', true],
    ['rejected', 'submitted', false],
    ['rejected', 'approved', false],
    ['expired', 'approved', false],
    ['submitted', 'rejected', false],
    ['submitted', 'pending', false],
    ['approved', 'pending', false],
    ['approved', 'rejected', false],
    // A refused attempt is not final for the transaction: signed again, the same one may land.
    ['failed', 'submitted', true],
    ['failed', 'pending', false],
    ['failed', 'rejected', false],
    ['submitted', 'failed', false],
    ['pending', 'pending', false],
  ])('%s → %s: %s', (from, to, allowed) => {
    expect(canMove(from, to)).toBe(allowed)
  })
})

describe('stepOf: which chat events start a money step', () => {
  const result = (data: unknown): ChatEvent => ({
    event: 'tool_result',
    data: { callId: 'c1', name: 'payments', durationMs: 1, data },
  })
  it.each<[string, ChatEvent, Partial<ReturnType<typeof stepOf>> | undefined]>([
    [
      'approval asked',
      {
        event: 'approval_required',
        data: { callId: 'c1', name: 'payments', message: 'm', approvalId: APR, txHash: HASH },
      },
      { callId: 'c1', status: 'pending', approvalId: APR, txHash: HASH },
    ],
    [
      'submitted',
      result({ hash: HASH, ledger: 5, fee: '100' }),
      { callId: 'c1', status: 'submitted', txHash: HASH, ledger: 5, fee: '100' },
    ],
    [
      'approval without id',
      { event: 'approval_required', data: { callId: 'c1', name: 'payments', message: 'm' } },
      undefined,
    ],
    ['a read result', result({ accounts: [] }), undefined],
    ['hash not hex', result({ hash: 'zz', ledger: 5 }), undefined],
    ['ledger not a number', result({ hash: HASH, ledger: '5' }), undefined],
    ['ledger not an integer', result({ hash: HASH, ledger: 1.5 }), undefined],
    ['no ledger (unsigned)', result({ unsignedXdr: 'AAAA', networkPassphrase: 'p' }), undefined],
    ['text delta', { event: 'text_delta', data: { iteration: 1, delta: 'x' } }, undefined],
  ])('%s', (_, e, want) => {
    const got = stepOf(e)
    if (want === undefined) expect(got).toBeUndefined()
    else expect(got).toMatchObject(want)
  })
})

describe('money steps in D1', () => {
  it('records, moves forward only, and is owner-scoped', async () => {
    const alice = await signedInUser()
    const bob = await signedInUser()
    const t = await createThread(env.DB, alice.userId, 'pay', 1)
    await recordStep(env.DB, alice.userId, t.id, { callId: 'c1', status: 'pending', approvalId: APR }, 2)
    // Bob can neither add a step to Alice's thread nor move hers.
    await recordStep(env.DB, bob.userId, t.id, { callId: 'c2', status: 'submitted', txHash: HASH }, 2)
    expect(await markApprovalStep(env.DB, bob.userId, APR, { status: 'rejected' }, 3)).toBe(false)
    expect(await listSteps(env.DB, bob.userId, t.id)).toEqual([])
    expect(await markApprovalStep(env.DB, alice.userId, APR, { status: 'rejected' }, 4)).toBe(true)
    // A late "submitted" cannot overwrite a rejection.
    expect(await markApprovalStep(env.DB, alice.userId, APR, { status: 'submitted', ledger: 9 }, 5)).toBe(
      false,
    )
    const steps = await listSteps(env.DB, alice.userId, t.id)
    expect(steps).toEqual([
      {
        callId: 'c1',
        approvalId: APR,
        status: 'rejected',
        txHash: null,
        ledger: null,
        fee: null,
        updatedAt: new Date(4).toISOString(),
      },
    ])
  })
})

function bigPayment(source: string, seq: string, destination: string): string {
  return new TransactionBuilder(new Account(source, seq), { fee: '100', networkPassphrase: Networks.TESTNET })
    .addOperation(Operation.payment({ destination, asset: Asset.native(), amount: '50' }))
    .setTimeout(120)
    .build()
    .toEnvelope()
    .toXDR('base64')
}

describe('the approval routes keep the thread’s step in line', () => {
  it('reject → rejected; approve → submitted with hash and ledger, read back with the messages', async () => {
    const c = testApp()
    const r = await register(c)
    const kp = Keypair.random()
    const { accountId } = await json<{ accountId: string }>(await importWithProof(c, r, kp.secret()))
    expect((await post(c, `/api/accounts/${accountId}/fund`, undefined, r.auth)).status).toBe(200)
    const dest = Keypair.random().publicKey()
    expect((await fetch(`${HORIZON}/friendbot?addr=${dest}`)).status).toBe(200)
    const sign = createSignerClient(
      env as unknown as Env,
      loadConfig(env as unknown as Record<string, unknown>),
    )
    const ask = async (seq: string) => {
      try {
        await sign('tx.sign', r.userId, { accountId, xdr: bigPayment(kp.publicKey(), seq, dest) })
      } catch (e) {
        if (e instanceof SignerRefusal && e.code === 'ERR_APPROVAL_REQUIRED' && e.approval) return e.approval
        throw e
      }
      throw new Error('expected ERR_APPROVAL_REQUIRED')
    }
    const onLedger = (await (await fetch(`${HORIZON}/accounts/${kp.publicKey()}`)).json()) as {
      sequence: string
    }
    const refused = await ask('7')
    const wanted = await ask(onLedger.sequence)
    const thread = await json<{ id: string }>(await post(c, '/api/threads', { title: 'pay' }, r.auth))
    for (const [callId, a] of [
      ['c-refused', refused],
      ['c-wanted', wanted],
    ] as const)
      await recordStep(
        env.DB,
        r.userId,
        thread.id,
        { callId, status: 'pending', approvalId: a.approvalId, txHash: a.txHash },
        Date.now(),
      )

    // A pending approval shows what it will do now: the destination in full, the fee, what is left.
    const pending = await json<{ simulation?: { legs: { to: string }[]; fee: string; sourceAfter: object } }>(
      await c(`/api/approvals/${wanted.approvalId}`, { headers: r.auth }),
    )
    expect(pending.simulation?.legs.map((l) => l.to)).toEqual([dest])
    expect(pending.simulation?.sourceAfter).toHaveProperty('native')
    // The stale one (wrong sequence) simulates to nothing rather than to a wrong preview.
    const stale = await json(await c(`/api/approvals/${refused.approvalId}`, { headers: r.auth }))
    expect(stale).not.toHaveProperty('simulation')
    expect((await post(c, `/api/approvals/${refused.approvalId}/reject`, undefined, r.auth)).status).toBe(200)
    const opts = await json<Options<PublicKeyCredentialRequestOptionsJSON>>(
      await post(c, `/api/approvals/${wanted.approvalId}/options`, undefined, r.auth),
    )
    const response = await r.authenticator.get(opts.options)
    const approved = await post(
      c,
      `/api/approvals/${wanted.approvalId}/approve`,
      { challengeId: opts.challengeId, response },
      r.auth,
    )
    expect(approved.status).toBe(200)
    const { ledger } = await json<{ ledger: number }>(approved)

    const read = await json<{ moneySteps: MoneyStep[] }>(
      await c(`/api/threads/${thread.id}/messages`, { headers: r.auth }),
    )
    const byCall = new Map(read.moneySteps.map((s) => [s.callId, s]))
    expect(byCall.get('c-refused')).toMatchObject({ status: 'rejected', ledger: null })
    expect(byCall.get('c-wanted')).toMatchObject({
      status: 'submitted',
      approvalId: wanted.approvalId,
      txHash: wanted.txHash,
      ledger,
    })
    expect(ledger).toBeGreaterThan(0)
  })
})

describe('loopbackRedirect: the dev page opened as 127.0.0.1 goes to localhost (the RP ID)', () => {
  it.each<[string, string, string | undefined]>([
    ['http://127.0.0.1:8787/', 'localhost', 'http://localhost:8787/'],
    ['http://[::1]:8787/?x=1', 'localhost', 'http://localhost:8787/?x=1'],
    ['http://localhost:8787/', 'localhost', undefined],
    ['https://tuxedo.example/', 'tuxedo.example', undefined],
    ['http://127.0.0.1:8787/', 'tuxedo.example', undefined],
    ['http://10.0.0.1:8787/', 'localhost', undefined],
    ['http://127.0.0.2:8787/', 'localhost', undefined],
  ])('%s with RP ID %s → %s', (url, rpId, want) => {
    expect(loopbackRedirect(url, rpId)).toBe(want)
  })
})
