/**
 * Done-when: through /chat with the scripted model, "send 10 XLM to G…" ends with a transaction in the
 * Horizon stand-in's ledger, signed by the user's key, for exactly 10 XLM to that destination; the same
 * script run as another user cannot touch the first user's account.
 */

import { env } from 'cloudflare:workers'
import { Keypair, type Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { json, signedInUser, testApp } from './support/app.ts'
import {
  friendbotFunded,
  fundedAccount,
  HORIZON,
  MODEL_ENV,
  modelRequests,
  nativeBalance,
  ofType,
  postChat,
  script,
  typed,
  uniqueKey,
} from './support/chat.ts'

const call = testApp({ env: MODEL_ENV })
const PASSPHRASE = String(Reflect.get(env, 'NETWORK_PASSPHRASE'))
const SECRET = /\bS[A-Z2-7]{55}\b/

const sendStep = (from: string, to: string) => ({
  toolCalls: [
    {
      name: 'payments',
      arguments: {
        action: 'send',
        from,
        to,
        amount: '10',
        asset_code: null,
        asset_issuer: null,
        dest_asset_code: null,
        dest_asset_issuer: null,
        max_slippage_percent: null,
        memo: null,
      },
    },
  ],
})

describe('POST /chat: send 10 XLM end to end', () => {
  it('signs with the user key in the signer, lands exactly 10 XLM on the ledger, persists the turn', async () => {
    const user = await signedInUser()
    const account = await fundedAccount(call, user.auth)
    const dest = Keypair.random().publicKey()
    await friendbotFunded(dest)
    const key = uniqueKey('send10')
    await script(key, [sendStep(account.accountId, dest), { text: 'Sent 10 XLM.' }])

    const { res, text, frames } = await postChat(
      call,
      { message: `[script:${key}] send 10 XLM to ${dest}` },
      user.auth,
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const events = typed(frames)
    expect(events.map((e) => e.event)).toEqual([
      'agent_start',
      'iteration_start',
      'tool_call_start',
      'tool_result',
      'iteration_start',
      'text_delta',
      'text_delta',
      'text_delta',
      'agent_complete',
      'done',
    ])
    const result = ofType(events, 'tool_result')[0]?.data as { hash: string; ledger: number }
    expect(result.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(ofType(events, 'agent_complete')[0]?.text).toBe('Sent 10 XLM.')

    // The ledger: +10 exactly at the destination, and the transaction is on the source's history.
    expect(await nativeBalance(dest)).toBe('10010.0000000')
    const history = (await (
      await fetch(`${HORIZON}/accounts/${account.publicKey}/transactions?limit=20`)
    ).json()) as {
      _embedded: { records: { hash: string; envelope_xdr: string }[] }
    }
    const record = history._embedded.records.find((r) => r.hash === result.hash)
    expect(record).toBeDefined()
    // Signed by the user's key, for exactly one 10 XLM payment to that destination.
    const tx = TransactionBuilder.fromXDR(record?.envelope_xdr ?? '', PASSPHRASE)
    if ('innerTransaction' in tx) throw new Error('unexpected fee bump')
    expect(tx.source).toBe(account.publicKey)
    expect(tx.operations).toHaveLength(1)
    const op = tx.operations[0] as Operation.Payment
    expect(op.type).toBe('payment')
    expect(op.destination).toBe(dest)
    expect(op.amount).toBe('10.0000000')
    expect(op.asset.isNative()).toBe(true)
    const kp = Keypair.fromPublicKey(account.publicKey)
    expect(tx.signatures.some((s) => kp.verify(tx.hash(), s.signature.value))).toBe(true)

    // The thread holds the whole turn, loaded back from D1, with no secret anywhere.
    const start = ofType(events, 'agent_start')[0]
    const msgs = await call(`/api/threads/${start?.threadId}/messages`, { headers: user.auth })
    const stored = await json<{ messages: { role: string; content: Record<string, unknown> }[] }>(msgs)
    expect(stored.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant'])
    expect(JSON.stringify(stored)).not.toMatch(SECRET)
    expect(text).not.toMatch(SECRET)
    // The model was told the accounts, never a secret, and never a user id.
    const sent = JSON.stringify((await modelRequests(key)).requests)
    expect(sent).toContain(account.publicKey)
    expect(sent).not.toMatch(SECRET)
    expect(sent).not.toContain(user.userId)
  })

  it.each([
    ['account id', (a: { accountId: string }) => a.accountId],
    ['public key', (a: { publicKey: string }) => a.publicKey],
  ])(
    "the same script as another user (source by %s) cannot touch the first user's account",
    async (_, ref) => {
      const alice = await signedInUser()
      const aliceAccount = await fundedAccount(call, alice.auth)
      const mallory = await signedInUser()
      await fundedAccount(call, mallory.auth, 'mallory')
      const dest = Keypair.random().publicKey()
      await friendbotFunded(dest)
      const key = uniqueKey('cross')
      await script(key, [sendStep(ref(aliceAccount), dest), { text: 'Done.' }])

      const { res, frames } = await postChat(
        call,
        { message: `[script:${key}] send 10 XLM to ${dest}` },
        mallory.auth,
      )
      expect(res.status).toBe(200)
      const events = typed(frames)
      expect(ofType(events, 'tool_result')).toHaveLength(0)
      const error = ofType(events, 'tool_error')[0]
      expect(error?.code).toBe('ERR_ACCOUNT_NOT_FOUND')
      expect(error?.message).toBe('no such account among yours')
      expect(await nativeBalance(aliceAccount.publicKey)).toBe('10000.0000000')
      expect(await nativeBalance(dest)).toBe('10000.0000000')
    },
  )

  it('a model that passes a user id is refused by the strict schema (ERR_TOOL_INPUT), nothing moves', async () => {
    const alice = await signedInUser()
    const aliceAccount = await fundedAccount(call, alice.auth)
    const mallory = await signedInUser()
    const dest = Keypair.random().publicKey()
    await friendbotFunded(dest)
    const key = uniqueKey('userid')
    const step = sendStep(aliceAccount.accountId, dest)
    const args = { ...(step.toolCalls[0]?.arguments ?? {}), user_id: alice.userId }
    await script(key, [{ toolCalls: [{ name: 'payments', arguments: args }] }, { text: 'I could not.' }])
    const { frames } = await postChat(call, { message: `[script:${key}] pay as alice` }, mallory.auth)
    const error = ofType(typed(frames), 'tool_error')[0]
    expect(error?.code).toBe('ERR_TOOL_INPUT')
    expect(error?.message).toContain('user_id')
    expect(await nativeBalance(aliceAccount.publicKey)).toBe('10000.0000000')
  })

  it('creates a missing destination with create_account', async () => {
    const user = await signedInUser()
    const account = await fundedAccount(call, user.auth)
    const dest = Keypair.random().publicKey()
    const key = uniqueKey('create')
    await script(key, [sendStep(account.accountId, dest), { text: 'Created.' }])
    const { frames } = await postChat(call, { message: `[script:${key}] send 10 XLM to ${dest}` }, user.auth)
    expect(ofType(typed(frames), 'tool_result')).toHaveLength(1)
    expect(await nativeBalance(dest)).toBe('10.0000000')
  })

  it('external mode returns the unsigned XDR and moves nothing', async () => {
    const user = await signedInUser()
    const account = await fundedAccount(call, user.auth)
    const dest = Keypair.random().publicKey()
    await friendbotFunded(dest)
    const key = uniqueKey('external')
    await script(key, [sendStep(account.accountId, dest), { text: 'Sign it in your wallet.' }])
    const { frames } = await postChat(
      call,
      { message: `[script:${key}] send 10 XLM to ${dest}`, mode: 'external' },
      user.auth,
    )
    const data = ofType(typed(frames), 'tool_result')[0]?.data as {
      unsignedXdr: string
      networkPassphrase: string
      description: string
    }
    expect(data.networkPassphrase).toBe(PASSPHRASE)
    expect(data.description).toContain(dest)
    const tx = TransactionBuilder.fromXDR(data.unsignedXdr, PASSPHRASE)
    expect(tx.signatures).toHaveLength(0)
    expect(await nativeBalance(dest)).toBe('10000.0000000')
  })
})
