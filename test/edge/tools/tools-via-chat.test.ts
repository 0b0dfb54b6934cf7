/** Tools against the stand-ins, driven through /chat: accounts, trustlines, market data, soroban. */

import { env } from 'cloudflare:workers'
import { Keypair } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { signedInUser, testApp } from '../support/app.ts'
import {
  friendbotFunded,
  fundedAccount,
  HORIZON,
  MODEL_ENV,
  ofType,
  postChat,
  script,
  typed,
  uniqueKey,
} from '../support/chat.ts'

const call = testApp({ env: MODEL_ENV })
const CONTRACT = String(Reflect.get(env, 'TEST_SOROBAN_CONTRACT'))

async function runTools(
  auth: Record<string, string>,
  toolCalls: { name: string; arguments: Record<string, unknown> }[],
) {
  const key = uniqueKey('tools')
  await script(key, [...toolCalls.map((c) => ({ toolCalls: [c] })), { text: 'ok' }])
  const { frames } = await postChat(call, { message: `[script:${key}] go` }, auth)
  return typed(frames)
}

describe('tools through /chat', () => {
  it('account_manager: create, list with balances; export is refused', async () => {
    const user = await signedInUser()
    const events = await runTools(user.auth, [
      {
        name: 'account_manager',
        arguments: { action: 'create', account: null, name: 'savings', limit: null },
      },
      { name: 'account_manager', arguments: { action: 'list', account: null, name: null, limit: null } },
      { name: 'account_manager', arguments: { action: 'export', account: null, name: null, limit: null } },
    ])
    const results = ofType(events, 'tool_result').map((r) => r.data as Record<string, unknown>)
    expect(results[0]).toMatchObject({ name: 'savings', funded: false })
    expect((results[1]?.accounts as unknown[] | undefined)?.length).toBe(1)
    expect(ofType(events, 'tool_error')[0]?.code).toBe('ERR_FORBIDDEN')
  })

  it('trustlines: add, then remove the empty trustline', async () => {
    const user = await signedInUser()
    const account = await fundedAccount(call, user.auth)
    const issuer = Keypair.random().publicKey()
    await friendbotFunded(issuer)
    const asset = { asset_code: 'USDC', asset_issuer: issuer }
    const events = await runTools(user.auth, [
      { name: 'trustlines', arguments: { action: 'add', account: account.accountId, ...asset, limit: null } },
      {
        name: 'trustlines',
        arguments: { action: 'remove', account: account.accountId, ...asset, limit: null },
      },
    ])
    // An empty trustline can be removed; both steps land on the ledger.
    expect(ofType(events, 'tool_result')).toHaveLength(2)
    const acc = (await (await fetch(`${HORIZON}/accounts/${account.publicKey}`)).json()) as {
      balances: unknown[]
    }
    expect(acc.balances).toHaveLength(1)
  })

  it('market_data and utilities answer from Horizon', async () => {
    const user = await signedInUser()
    const issuer = Keypair.random().publicKey()
    const events = await runTools(user.auth, [
      {
        name: 'market_data',
        arguments: {
          action: 'order_book',
          base_code: null,
          base_issuer: null,
          counter_code: 'USDC',
          counter_issuer: issuer,
          limit: 5,
        },
      },
      { name: 'utilities', arguments: { action: 'fee_stats' } },
    ])
    const [book, fees] = ofType(events, 'tool_result').map((r) => r.data as Record<string, unknown>)
    expect(book).toMatchObject({ base: 'XLM', bids: [], asks: [] })
    expect(fees).toMatchObject({ baseFeeStroops: '100' })
  })

  it('soroban: read by simulation; an invoke that fails simulation is reported, nothing signed', async () => {
    const user = await signedInUser()
    const account = await fundedAccount(call, user.auth)
    const other = Keypair.random().publicKey()
    const events = await runTools(user.auth, [
      {
        name: 'soroban',
        arguments: {
          action: 'read',
          account: null,
          contract_id: CONTRACT,
          function: 'balance',
          args: [{ type: 'address', value: account.publicKey }],
        },
      },
      {
        name: 'soroban',
        arguments: {
          action: 'invoke',
          account: null,
          contract_id: CONTRACT,
          function: 'transfer',
          args: [
            { type: 'address', value: account.publicKey },
            { type: 'address', value: other },
            { type: 'i128', value: '5' },
          ],
        },
      },
    ])
    expect(ofType(events, 'tool_result')[0]?.data).toMatchObject({ function: 'balance', result: '0' })
    expect(ofType(events, 'tool_error')[0]?.code).toBe('ERR_TX_SIMULATION_FAILED')
  })
})
