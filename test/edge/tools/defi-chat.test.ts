/**
 * The DeFi conversation end to end, in workerd against the Soroban RPC stand-in serving Blend's mainnet
 * snapshot (test/support/soroban-rpc/defi/), with the scripted model following the demo rules
 * (test/support/openai/defi-demo.ts; every figure it says is copied from a tool result):
 *   "swap 500 XLM to USDC" (to hold USDC) → "where is the best USDC yield?" → "put 100 USDC in it"
 *   → "show my positions" → "swap 10 XLM to USDC".
 * Each money step goes through the one money path (edge/money/): simulation, the declared intent checked
 * against the auth tree, then — in external-wallet mode — the unsigned XDR signed by the wallet and sent to
 * /api/transactions/submit-signed; the test reads back from Soroban RPC exactly what was sent. In agent mode
 * the real mTLS signer decides: it knows the stand-in's contracts from the same PROTOCOL_CONTRACTS the edge
 * reads (test/global-setup.ts) and derives the USDC and XLM token ids from the passphrase, so it signs what
 * is within the automatic caps and asks a person above them.
 * Bad input: unknown pool, vault and token, amounts above the balance, a borrow against nothing, slippage
 * above the bound — each a coded tool error with nothing signed.
 */
import { env } from 'cloudflare:workers'
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { Address, Keypair, scValToNative, TransactionBuilder, type xdr } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../edge/config.ts'
import { loadPool } from '../../../edge/defi/blend/read.ts'
import { reserveViews } from '../../../edge/defi/blend/views.ts'
import { SorobanRpc } from '../../../edge/stellar/soroban-rpc.ts'
import type { ChatEvent } from '../../../shared/schemas/chat-events.ts'
import { standInIds } from '../../support/soroban-rpc/defi/ids.ts'
import { json, signedInUser, testApp } from '../support/app.ts'
import { importWithProof, type Options, post, register } from '../support/auth-flows.ts'
import {
  friendbotFunded,
  fundedAccount,
  MODEL_ENV,
  nativeBalance,
  ofType,
  postChat,
  script,
  typed,
  uniqueKey,
} from '../support/chat.ts'

const call = testApp({ env: MODEL_ENV })
const config = loadConfig({ ...(env as unknown as Record<string, unknown>), ...MODEL_ENV })
const PASSPHRASE = config.network.passphrase
/** The stand-in's ids on this network (its token ids derived from the passphrase, as the signer derives them). */
const STAND_IN = standInIds(PASSPHRASE)

async function say(
  user: Auth,
  key: string,
  message: string,
  opts: { threadId?: string; mode?: 'agent' | 'external' } = {},
) {
  // One model call for the tool, one for the answer.
  await script(key, [{ demo: true }, { demo: true }])
  const { frames } = await postChat(
    call,
    {
      message: opts.threadId ? message : `[script:${key}] ${message}`,
      ...(opts.threadId ? { threadId: opts.threadId } : {}),
      ...(opts.mode ? { mode: opts.mode } : {}),
    },
    user.auth,
  )
  const events = typed(frames)
  const done = ofType(events, 'done')[0]
  return { events, threadId: done?.threadId ?? '', text: ofType(events, 'agent_complete')[0]?.text ?? '' }
}

type Auth = { auth: Record<string, string> }
type Unsigned = { unsignedXdr: string; networkPassphrase: string; preview: { kind: string; legs: unknown[] } }

/** External-wallet mode: the tool hands over the unsigned XDR; the wallet (here: the test) signs it. */
async function signInWallet(user: Auth, kp: Keypair, events: ChatEvent[], nth = 0) {
  expect(ofType(events, 'tool_error')).toEqual([])
  const unsigned = ofType(events, 'tool_result')[nth]?.data as Unsigned
  expect(unsigned.networkPassphrase).toBe(PASSPHRASE)
  expect(unsigned.preview.kind).toBe('contract_call')
  const tx = TransactionBuilder.fromXDR(unsigned.unsignedXdr, PASSPHRASE)
  tx.sign(kp)
  const res = await call('/api/transactions/submit-signed', {
    method: 'POST',
    headers: { ...user.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ xdr: tx.toXDR() }),
  })
  expect(res.status).toBe(200)
  return { ...(await json<{ hash: string; ledger: number }>(res)), preview: unsigned.preview }
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
  it('external wallet: best USDC yield → put 100 USDC in it → positions show it → swap 10 XLM with a bound', async () => {
    // A real passkey ceremony: importing a key is proven to the signer by the user's own passkey.
    const user = await register(call)
    const kp = Keypair.random()
    await friendbotFunded(kp.publicKey())
    const imported = await importWithProof(call, user, kp.secret(), 'wallet')
    expect(imported.status).toBe(201)
    const key = uniqueKey('defi')
    const external = { mode: 'external' as const }

    // Hold some USDC first: 500 XLM through Soroswap.
    const first = await say(user, key, 'swap 500 XLM to USDC', external)
    await signInWallet(user, kp, first.events)
    const thread = { ...external, threadId: first.threadId }

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
    const supplied = await signInWallet(user, kp, put.events)
    expect(supplied.preview.legs).toEqual([
      { kind: 'contract_transfer', from: kp.publicKey(), to: STAND_IN.pool, asset: 'USDC', amount: '100' },
    ])
    const sent = await sentEnvelope(supplied.hash)
    expect(sent.contract).toBe(STAND_IN.pool)
    expect(sent.fn).toBe('submit')
    expect(sent.args.slice(0, 3)).toEqual([kp.publicKey(), kp.publicKey(), kp.publicKey()])
    expect(sent.args[3]).toEqual([{ address: STAND_IN.usdc, amount: 1_000_000_000n, request_type: 0 }])

    // 3. Positions show it.
    const pos = await say(user, key, 'show my positions', thread)
    const posData = ofType(pos.events, 'tool_result')[0]?.data as
      | { positions: { asset: string; kind: string; amount: string; poolId: string }[] }
      | undefined
    const rows = posData?.positions ?? []
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ asset: 'USDC', kind: 'supply', poolId: STAND_IN.pool })
    // b-tokens are minted rounding down, so the position reads back within one base unit of 100.
    expect(Number(rows[0]?.amount)).toBeCloseTo(100, 6)
    expect(pos.text).toContain('USDC supply in')

    // 4. Swap 10 XLM to USDC, with a bound and a deadline in the signed call.
    const swap = await say(user, key, 'swap 10 XLM to USDC', thread)
    const swapped = await sentEnvelope((await signInWallet(user, kp, swap.events)).hash)
    expect(swapped.contract).toBe(STAND_IN.soroswapRouter)
    expect(swapped.fn).toBe('swap_exact_tokens_for_tokens')
    const [amountIn, minOut, path, to, deadline] = swapped.args as [bigint, bigint, string[], string, bigint]
    expect(amountIn).toBe(100_000_000n)
    expect(minOut).toBeGreaterThan(0n)
    expect(path).toEqual([STAND_IN.xlm, STAND_IN.usdc])
    expect(to).toBe(kp.publicKey())
    const now = BigInt(Math.floor(Date.now() / 1000))
    expect(deadline > now && deadline <= now + 3600n).toBe(true)

    // 5. DeFindex: the vault list, then a deposit of 10 USDC with its minimum, signed in the wallet.
    const vaultArgs = {
      account: null,
      vault: STAND_IN.defindexVault,
      amount: '10',
      max_slippage_percent: null,
    }
    await script(key, [
      { toolCalls: [{ name: 'defindex', arguments: { ...vaultArgs, action: 'vaults' } }] },
      { toolCalls: [{ name: 'defindex', arguments: { ...vaultArgs, action: 'deposit' } }] },
      { text: 'ok' },
    ])
    const v = typed((await postChat(call, { message: 'vaults', ...thread }, user.auth)).frames)
    const listed = ofType(v, 'tool_result')[0]?.data as {
      vaults: { vaultId: string; assets: { asset: string }[] }[]
    }
    expect(listed.vaults.map((x) => [x.vaultId, x.assets.map((a) => a.asset)])).toEqual([
      [STAND_IN.defindexVault, ['USDC']],
    ])
    const deposit = await signInWallet(user, kp, v, 1)
    const deposited = await sentEnvelope(deposit.hash)
    expect(deposited).toMatchObject({ contract: STAND_IN.defindexVault, fn: 'deposit' })
    expect(deposited.args).toEqual([[100_000_000n], [100_000_000n], kp.publicKey(), true])
  })
})

/** Agent mode: the signer signed and the edge submitted; the tool result names the landed hash. */
function landedHash(events: ChatEvent[], nth = 0) {
  expect(ofType(events, 'tool_error')).toEqual([])
  expect(ofType(events, 'approval_required')).toEqual([])
  const r = ofType(events, 'tool_result')[nth]?.data as { hash?: string; unsignedXdr?: string }
  expect(r.unsignedXdr).toBeUndefined()
  expect(r.hash).toMatch(/^[0-9a-f]{64}$/)
  return r.hash ?? ''
}

describe('DeFi in agent mode: the signer reads the calls and signs within the automatic caps', () => {
  it('best USDC yield → put 100 USDC in it (signed automatically) → positions → swap 10 XLM with a bound', async () => {
    // The signer holds the imported key; USDC to supply comes from a swap the wallet signs (external mode,
    // not counted by the signer), then everything below is agent mode: the signer decides alone.
    const user = await register(call)
    const kp = Keypair.random()
    await friendbotFunded(kp.publicKey())
    expect((await importWithProof(call, user, kp.secret(), 'wallet')).status).toBe(201)
    const key = uniqueKey('defi-agent')
    const first = await say(user, key, 'swap 500 XLM to USDC', { mode: 'external' })
    await signInWallet(user, kp, first.events)
    const thread = { threadId: first.threadId }

    const asked = await say(user, key, 'where is the best USDC yield?', thread)
    expect(ofType(asked.events, 'tool_result')).toHaveLength(1)
    // 100 USDC is exactly the default USDC approval-above level (100 / 500 / 5,000): automatic.
    const put = await say(user, key, 'put 100 USDC in it', thread)
    const sent = await sentEnvelope(landedHash(put.events))
    expect(sent.contract).toBe(STAND_IN.pool)
    expect(sent.fn).toBe('submit')
    expect(sent.args[3]).toEqual([{ address: STAND_IN.usdc, amount: 1_000_000_000n, request_type: 0 }])

    const pos = await say(user, key, 'show my positions', thread)
    const rows =
      (ofType(pos.events, 'tool_result')[0]?.data as { positions: { asset: string; poolId: string }[] })
        ?.positions ?? []
    expect(rows).toMatchObject([{ asset: 'USDC', kind: 'supply', poolId: STAND_IN.pool }])

    // 10 XLM is under the XLM approval-above level (25): automatic, with a bound and a deadline.
    const xlmBefore = BigInt(Math.round(Number(await nativeBalance(kp.publicKey())) * 1e7))
    const swap = await say(user, key, 'swap 10 XLM to USDC', thread)
    const swapped = await sentEnvelope(landedHash(swap.events))
    expect(swapped.contract).toBe(STAND_IN.soroswapRouter)
    expect(swapped.fn).toBe('swap_exact_tokens_for_tokens')
    const [amountIn, minOut, path] = swapped.args as [bigint, bigint, string[]]
    expect([amountIn, path]).toEqual([100_000_000n, [STAND_IN.xlm, STAND_IN.usdc]])
    expect(minOut).toBeGreaterThan(0n)
    const xlmAfter = BigInt(Math.round(Number(await nativeBalance(kp.publicKey())) * 1e7))
    expect(xlmBefore - xlmAfter).toBeGreaterThanOrEqual(100_000_000n)
  })
})

describe('DeFi approval through the one money path', () => {
  it('101 USDC into the pool is above the automatic level: approval, the passkey approves, it lands; a claim then signs alone', async () => {
    const user = await register(call)
    const kp = Keypair.random()
    await friendbotFunded(kp.publicKey())
    const imported = await importWithProof(call, user, kp.secret(), 'wallet')
    expect(imported.status).toBe(201)
    const key = uniqueKey('defi-approve')
    // A position to claim for: USDC from a swap, then a supply, both signed in the wallet.
    const first = await say(user, key, 'swap 500 XLM to USDC', { mode: 'external' })
    await signInWallet(user, kp, first.events)

    // Agent mode: the signer holds the imported key and reads the supply; 101 USDC is above the default
    // USDC approval-above level (100), so it asks a person.
    const supply = { action: 'supply', account: null, pool: 'Fixed XLM-USDC', asset: 'USDC', amount: '101' }
    await script(key, [
      { toolCalls: [{ name: 'blend', arguments: supply }] },
      { text: 'Approve it in the app.' },
    ])
    const above = typed(
      (await postChat(call, { message: 'supply', threadId: first.threadId }, user.auth)).frames,
    )
    expect(ofType(above, 'tool_error')[0]?.code).toBe('ERR_APPROVAL_REQUIRED')
    const asked = ofType(above, 'approval_required')[0]
    expect(asked?.approval?.approvalId).toMatch(/^apr_/)
    expect(asked?.approval?.txHash).toBe(asked?.txHash)
    expect(asked?.approval?.reason.length).toBeGreaterThan(0)
    const approvalId = asked?.approval?.approvalId ?? ''

    const opt = await post(call, `/api/approvals/${approvalId}/options`, undefined, user.auth)
    expect(opt.status).toBe(200)
    const { challengeId, options } = await json<Options<PublicKeyCredentialRequestOptionsJSON>>(opt)
    const response = await user.authenticator.get(options)
    const done = await post(
      call,
      `/api/approvals/${approvalId}/approve`,
      { challengeId, response },
      user.auth,
    )
    expect(done.status).toBe(200)
    const landed = await json<{
      hash: string
      preview: { kind: string; contract: string; function: string }
    }>(done)
    expect(landed.hash).toBe(asked?.approval?.txHash)
    expect(landed.preview).toMatchObject({
      kind: 'contract_call',
      contract: STAND_IN.pool,
      function: 'submit',
    })
    const sent = await sentEnvelope(landed.hash)
    expect(sent).toMatchObject({ contract: STAND_IN.pool, fn: 'submit' })
    expect(sent.args[3]).toEqual([{ address: STAND_IN.usdc, amount: 1_010_000_000n, request_type: 0 }])

    // A claim moves nothing out of the account: the signer reads it and signs it within the caps.
    const claimArgs = { action: 'claim', account: null, pool: 'Fixed XLM-USDC', asset: null, amount: null }
    await script(key, [{ toolCalls: [{ name: 'blend', arguments: claimArgs }] }, { text: 'Claimed.' }])
    const claim = typed(
      (await postChat(call, { message: 'claim', threadId: first.threadId }, user.auth)).frames,
    )
    expect(await sentEnvelope(landedHash(claim))).toMatchObject({ contract: STAND_IN.pool, fn: 'claim' })
  })
})

describe('DeFi bad input through chat: a coded error before anything is signed', () => {
  const blend = (a: Record<string, unknown>) => ({
    name: 'blend',
    arguments: { action: 'supply', account: null, pool: 'Fixed XLM-USDC', asset: 'USDC', amount: '1', ...a },
  })
  const swap = (a: Record<string, unknown>) => ({
    name: 'soroswap',
    arguments: {
      action: 'swap',
      account: null,
      token_in: 'XLM',
      token_out: 'USDC',
      amount: '10',
      max_slippage_percent: '1',
      ...a,
    },
  })
  const vault = (a: Record<string, unknown>) => ({
    name: 'defindex',
    arguments: {
      action: 'deposit',
      account: null,
      vault: STAND_IN.defindexVault,
      amount: '10',
      max_slippage_percent: null,
      ...a,
    },
  })
  const rows: [string, { name: string; arguments: Record<string, unknown> }, string][] = [
    ['unknown pool', blend({ pool: 'Nowhere' }), 'ERR_DEFI_UNKNOWN_POOL'],
    ['unknown token', blend({ asset: 'DOGE' }), 'ERR_DEFI_UNKNOWN_TOKEN'],
    ['a token the pool has no reserve for', blend({ asset: 'BLND' }), 'ERR_DEFI_UNKNOWN_TOKEN'],
    ['supply above the balance', blend({ amount: '1000000' }), 'ERR_DEFI_INSUFFICIENT_BALANCE'],
    ['withdraw with no position', blend({ action: 'withdraw' }), 'ERR_DEFI_INSUFFICIENT_BALANCE'],
    ['borrow against nothing', blend({ action: 'borrow' }), 'ERR_DEFI_HEALTH_FACTOR'],
    ['money action without a pool', blend({ pool: null }), 'ERR_TOOL_INPUT'],
    ['slippage beyond the bound', swap({ max_slippage_percent: '50' }), 'ERR_DEFI_SLIPPAGE'],
    ['swap of an unknown token', swap({ token_out: 'DOGE' }), 'ERR_DEFI_UNKNOWN_TOKEN'],
    ['swap above the balance', swap({ amount: '1000000' }), 'ERR_DEFI_INSUFFICIENT_BALANCE'],
    ['swap to the same token', swap({ token_out: 'XLM' }), 'ERR_TOOL_INPUT'],
    ['unknown vault', vault({ vault: 'Nope' }), 'ERR_DEFI_UNKNOWN_VAULT'],
    ['deposit above the balance', vault({}), 'ERR_DEFI_INSUFFICIENT_BALANCE'],
    [
      'withdraw slippage beyond the bound',
      vault({ action: 'withdraw', max_slippage_percent: '10' }),
      'ERR_DEFI_SLIPPAGE',
    ],
  ]

  it('every bad row is its own coded tool error; the good read passes; no approval, no signature', async () => {
    const user = await signedInUser()
    const account = await fundedAccount(call, user.auth)
    const before = await nativeBalance(account.publicKey)
    const key = uniqueKey('defi-bad')
    const good = {
      name: 'blend',
      arguments: { action: 'pools', account: null, pool: null, asset: null, amount: null },
    }
    await script(key, [...rows.map(([, c]) => ({ toolCalls: [c] })), { toolCalls: [good] }, { text: 'done' }])
    const { frames } = await postChat(call, { message: `[script:${key}] try these` }, user.auth)
    const events = typed(frames)
    expect(ofType(events, 'tool_error').map((e) => e.code)).toEqual(rows.map(([, , code]) => code))
    expect(ofType(events, 'tool_error').every((e) => e.message.length > 10)).toBe(true)
    expect(ofType(events, 'approval_required')).toEqual([])
    const pools = ofType(events, 'tool_result')[0]?.data as { reserves: { asset: string }[] } | undefined
    expect(pools?.reserves.map((r) => r.asset).sort()).toEqual(['USDC', 'XLM'])
    // Nothing was signed or sent: not even a fee left the account.
    expect(await nativeBalance(account.publicKey)).toBe(before)
  })
})
