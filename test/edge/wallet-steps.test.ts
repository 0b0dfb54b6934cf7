/**
 * External-wallet submissions as money steps (issue 17): a transaction the user signed in their own wallet
 * and sent through POST /api/transactions/submit-signed with the chat step that offered it is recorded in
 * money_steps like an agent-signed one — submitted with hash, ledger and fee, or failed when the network
 * refused it — and GET /api/threads/:id/messages reads it back. The envelope must be the very transaction
 * that step offered, in the caller's own thread; anything else is refused before Horizon and records nothing.
 * The thread and its tool message are written straight into D1 (the chat path that writes them has its own
 * tests; the browser test drives the whole way).
 */
import { env } from 'cloudflare:workers'
import { Account, Asset, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { listSteps, recordStep, recordWalletStep } from '../../edge/agent/money-steps.ts'
import { appendMessages, createThread } from '../../edge/agent/thread-store.ts'
import type { MoneyStep } from '../../shared/schemas/threads.ts'
import { json, signedInUser, testApp } from './support/app.ts'

const call = testApp()
const HORIZON = String(Reflect.get(env, 'HORIZON_URL'))
const PASSPHRASE = String(Reflect.get(env, 'NETWORK_PASSPHRASE'))
const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

async function funded() {
  const kp = Keypair.random()
  expect((await fetch(`${HORIZON}/friendbot?addr=${kp.publicKey()}`)).status).toBe(200)
  return kp
}

async function unsignedPayment(from: Keypair, to: string, amount: string) {
  const acc = (await (await fetch(`${HORIZON}/accounts/${from.publicKey()}`)).json()) as { sequence: string }
  return new TransactionBuilder(new Account(from.publicKey(), acc.sequence), {
    fee: '100',
    networkPassphrase: PASSPHRASE,
  })
    .addOperation(Operation.payment({ destination: to, asset: Asset.native(), amount }))
    .setTimeout(60)
    .build()
}

async function balance(publicKey: string) {
  const acc = (await (await fetch(`${HORIZON}/accounts/${publicKey}`)).json()) as {
    balances: { asset_type: string; balance: string }[]
  }
  return acc.balances.find((b) => b.asset_type === 'native')?.balance
}

/** A thread whose tool call `callId` answered with `result` (as the agent loop stores it). */
async function threadWith(userId: string, callId: string, result: unknown) {
  const now = Date.now()
  const thread = await createThread(env.DB, userId, 'wallet', now)
  await appendMessages(
    env.DB,
    userId,
    thread.id,
    [
      { role: 'user', content: { role: 'user', content: 'send 7 XLM' } },
      {
        role: 'assistant',
        content: {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: callId, type: 'function', function: { name: 'payments', arguments: '{}' } }],
        },
      },
      { role: 'tool', content: { role: 'tool', tool_call_id: callId, content: JSON.stringify(result) } },
    ],
    now,
  )
  return thread.id
}

const offer = (xdr: string) => ({
  ok: true,
  data: { status: 'unsigned', unsignedXdr: xdr, networkPassphrase: PASSPHRASE, preview: { legs: [] } },
})

const submit = (auth: Record<string, string>, body: unknown) =>
  call('/api/transactions/submit-signed', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

async function stepsOf(auth: Record<string, string>, threadId: string) {
  const res = await call(`/api/threads/${threadId}/messages`, { headers: auth })
  expect(res.status).toBe(200)
  return (await json<{ moneySteps: MoneyStep[] }>(res)).moneySteps
}

describe('external-wallet submissions are money steps of their thread', () => {
  it('the offered transaction, signed and sent with its step, is recorded submitted with hash, ledger and fee; a replay refused later changes nothing', async () => {
    const user = await signedInUser()
    const [from, to] = [await funded(), await funded()]
    const tx = await unsignedPayment(from, to.publicKey(), '7')
    const threadId = await threadWith(user.userId, 'call_wallet_1', offer(tx.toXDR()))
    tx.sign(from)
    const res = await submit(user.auth, { xdr: tx.toXDR(), step: { threadId, callId: 'call_wallet_1' } })
    expect(res.status).toBe(200)
    const body = await json<{ hash: string; ledger: number; feeCharged: string }>(res)
    expect(body.hash).toBe(hexOf(tx.hash()))
    expect(await balance(to.publicKey())).toBe('10007.0000000')
    const [step, ...rest] = await stepsOf(user.auth, threadId)
    expect(rest).toEqual([])
    expect(step).toMatchObject({
      callId: 'call_wallet_1',
      approvalId: null,
      status: 'submitted',
      txHash: body.hash,
      ledger: body.ledger,
      fee: body.feeCharged,
    })
    // The same envelope again: Horizon refuses it (tx_bad_seq), and the step still says it was sent.
    const replay = await submit(user.auth, { xdr: tx.toXDR(), step: { threadId, callId: 'call_wallet_1' } })
    expect(replay.status).toBe(422)
    expect((await stepsOf(user.auth, threadId))[0]).toMatchObject({
      status: 'submitted',
      ledger: body.ledger,
    })
  })

  it('a transaction the network refuses is recorded failed, with its hash', async () => {
    const user = await signedInUser()
    const [from, to] = [await funded(), await funded()]
    // More than the account holds: the payment fails on the ledger (op_underfunded).
    const tx = await unsignedPayment(from, to.publicKey(), '20000')
    const threadId = await threadWith(user.userId, 'call_wallet_2', offer(tx.toXDR()))
    tx.sign(from)
    const res = await submit(user.auth, { xdr: tx.toXDR(), step: { threadId, callId: 'call_wallet_2' } })
    expect(res.status).toBe(422)
    expect((await json(res)).code).toBe('ERR_TX_SUBMIT_FAILED')
    expect((await stepsOf(user.auth, threadId))[0]).toMatchObject({
      status: 'failed',
      txHash: hexOf(tx.hash()),
      ledger: null,
    })
    expect(await balance(to.publicKey())).toBe('10000.0000000')
  })

  type Case = readonly [string, (t: Ctx) => Promise<unknown>, number, string]
  type Ctx = { userId: string; threadId: string; signed: string; other: string }
  it.each<Case>([
    [
      'another transaction than the step offered',
      async (t) => ({ xdr: t.other, step: { threadId: t.threadId, callId: 'call_w' } }),
      400,
      'ERR_TX_INVALID',
    ],
    [
      "another user's thread",
      async (t) => {
        const stranger = await signedInUser()
        return {
          xdr: t.signed,
          step: { threadId: await threadWith(stranger.userId, 'call_w', {}), callId: 'call_w' },
        }
      },
      404,
      'ERR_NOT_FOUND',
    ],
    [
      'a tool call that offered no transaction',
      async (t) => ({
        xdr: t.signed,
        step: {
          threadId: await threadWith(t.userId, 'call_x', { ok: true, data: { balance: '1' } }),
          callId: 'call_x',
        },
      }),
      404,
      'ERR_NOT_FOUND',
    ],
    [
      'a call id the thread does not have',
      async (t) => ({ xdr: t.signed, step: { threadId: t.threadId, callId: 'call_nope' } }),
      404,
      'ERR_NOT_FOUND',
    ],
    [
      'a malformed thread id',
      async (t) => ({ xdr: t.signed, step: { threadId: 'thread-1', callId: 'call_w' } }),
      400,
      'ERR_VALIDATION',
    ],
    [
      'a step without its call id',
      async (t) => ({ xdr: t.signed, step: { threadId: t.threadId } }),
      400,
      'ERR_VALIDATION',
    ],
    [
      'an extra key in the step',
      async (t) => ({ xdr: t.signed, step: { threadId: t.threadId, callId: 'call_w', status: 'submitted' } }),
      400,
      'ERR_VALIDATION',
    ],
  ])('%s is refused; nothing is submitted and no step is written', async (_label, body, status, code) => {
    const user = await signedInUser()
    const [from, to] = [await funded(), await funded()]
    const tx = await unsignedPayment(from, to.publicKey(), '3')
    const threadId = await threadWith(user.userId, 'call_w', offer(tx.toXDR()))
    tx.sign(from)
    const other = await unsignedPayment(from, to.publicKey(), '4')
    other.sign(from)
    const ctx: Ctx = { userId: user.userId, threadId, signed: tx.toXDR(), other: other.toXDR() }
    const res = await submit(user.auth, await body(ctx))
    expect(res.status).toBe(status)
    expect((await json(res)).code).toBe(code)
    expect(await balance(to.publicKey())).toBe('10000.0000000')
    expect(await stepsOf(user.auth, threadId)).toEqual([])
  })

  it('recordWalletStep: a refused attempt can still land (failed → submitted); an approval’s step is never taken over', async () => {
    const user = await signedInUser()
    const threadId = await threadWith(user.userId, 'call_a', {})
    const ref = { threadId, callId: 'call_a' }
    const hash = 'cd'.repeat(32)
    await recordWalletStep(env.DB, user.userId, ref, { status: 'failed', txHash: hash }, 1)
    expect((await listSteps(env.DB, user.userId, threadId))[0]?.status).toBe('failed')
    await recordWalletStep(
      env.DB,
      user.userId,
      ref,
      { status: 'submitted', txHash: hash, ledger: 9, fee: '100' },
      2,
    )
    expect((await listSteps(env.DB, user.userId, threadId))[0]).toMatchObject({
      status: 'submitted',
      ledger: 9,
    })
    await recordWalletStep(env.DB, user.userId, ref, { status: 'failed', txHash: hash }, 3)
    expect((await listSteps(env.DB, user.userId, threadId))[0]?.status).toBe('submitted')
    // Another user writing into this thread finds nothing to write.
    const stranger = await signedInUser()
    await recordWalletStep(
      env.DB,
      stranger.userId,
      { threadId, callId: 'call_b' },
      { status: 'submitted', txHash: hash },
      4,
    )
    expect(await listSteps(env.DB, user.userId, threadId)).toHaveLength(1)
    // A step that waits for an approval belongs to the approval routes.
    await recordStep(
      env.DB,
      user.userId,
      threadId,
      { callId: 'call_c', status: 'pending', approvalId: 'apr_x' },
      5,
    )
    await recordWalletStep(
      env.DB,
      user.userId,
      { threadId, callId: 'call_c' },
      { status: 'submitted', txHash: hash },
      6,
    )
    expect((await listSteps(env.DB, user.userId, threadId)).find((s) => s.callId === 'call_c')?.status).toBe(
      'pending',
    )
  })
})
