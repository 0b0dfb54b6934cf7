/**
 * Soroban through the real mTLS signer (tx.sign): "the user's own accounts" come from the keystore, scoped by
 * user; a refused call leaves no spending entry and the audit log records the refusal's code.
 */
import { Asset, Keypair, Networks } from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROTOCOL_CONTRACTS } from '../../shared/network.ts'
import { guardAgainstLeaks, startTestSigner, type TestSigner } from './helpers.ts'
import { addr, buildTx, i128, invocation, sorobanOp } from './policy-fixtures.ts'
import { request, vec } from './protocols/builders.ts'

guardAgainstLeaks()

const POOL = PROTOCOL_CONTRACTS.testnet.blendPools.TestnetV2 as string
const USDC = new Asset('USDC', 'GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5')
const USDC_SAC = USDC.contractId(Networks.TESTNET)
const USDC_KEY = `USDC:${USDC.getIssuer()}`
const me = Keypair.random()
const mine = Keypair.random()
const theirs = Keypair.random()

let t: TestSigner
let accountId = ''
beforeAll(async () => {
  t = await startTestSigner()
  const a = await t.client.proven('accounts.import', { secret: me.secret() })
  accountId = a.body.result?.accountId ?? ''
  await t.client.proven('accounts.import', { secret: mine.secret() })
  // Another user's account: never "one of mine", whatever it is called.
  await t.client.proven('accounts.import', { secret: theirs.secret() }, { userId: 'user_b' })
})
afterAll(async () => {
  await t.stop()
})

const submit = (
  to: string,
  requests: ReturnType<typeof request>[],
  subs: ReturnType<typeof invocation>[] = [],
) => {
  const args = [addr(me.publicKey()), addr(me.publicKey()), addr(to), vec(requests)]
  return buildTx({
    source: me.publicKey(),
    fee: '1000000',
    maxTime: Math.floor(Date.now() / 1000) + 120,
    ops: [sorobanOp(POOL, 'submit', args, invocation(POOL, 'submit', args, subs))],
  })
    .toEnvelope()
    .toXDR('base64')
}
const usdcSpentToday = async (): Promise<string> => {
  const r = await t.client.call('policy.get', {})
  const assets = (r.body.result as { assets: Record<string, { spentToday: string }> } | undefined)?.assets
  return assets?.[USDC_KEY]?.spentToday ?? 'missing'
}

describe('tx.sign on Soroban calls', () => {
  it('signs a Blend withdrawal paid to another of the same user’s accounts', async () => {
    const reply = await t.client.call('tx.sign', {
      accountId,
      xdr: submit(mine.publicKey(), [request(1, USDC_SAC, 10n)]),
    })
    expect(reply.status).toBe(200)
    expect(reply.body.result?.signedXdr).toBeTruthy()
  })

  it('counts a Blend supply of 10 USDC against the day', async () => {
    const before = await usdcSpentToday()
    const amount = 100_000_000n
    const xdr = submit(
      me.publicKey(),
      [request(0, USDC_SAC, amount)],
      [invocation(USDC_SAC, 'transfer', [addr(me.publicKey()), addr(POOL), i128(amount)])],
    )
    const reply = await t.client.call('tx.sign', { accountId, xdr })
    expect(reply.status).toBe(200)
    expect(Number(await usdcSpentToday()) - Number(before)).toBe(10)
  })

  it('refuses a withdrawal paid to another user’s account: no spending entry, the audit names the code', async () => {
    const before = await usdcSpentToday()
    const xdr = submit(
      theirs.publicKey(),
      [request(0, USDC_SAC, 5n), request(1, USDC_SAC, 10n)],
      [invocation(USDC_SAC, 'transfer', [addr(me.publicKey()), addr(POOL), i128(5n)])],
    )
    const reply = await t.client.call('tx.sign', { accountId, xdr })
    expect(reply.status).toBe(403)
    expect(reply.body.error?.code).toBe('ERR_POLICY_SOROBAN_RECIPIENT')
    expect(await usdcSpentToday()).toBe(before)
    const audit = await t.client.call('audit.list', {})
    const entries = (
      audit.body.result as {
        entries: { method: string; decision: string; reasonCode: string | null; reason: string | null }[]
      }
    ).entries
    const refusal = entries.find(
      (e) => e.method === 'tx.sign' && e.reasonCode === 'ERR_POLICY_SOROBAN_RECIPIENT',
    )
    expect(refusal?.decision).toBe('deny')
    // The reason in words names the operation and the invocation node.
    expect(refusal?.reason).toMatch(
      /^operation 0: auth 0 node 0: blend submit: to G[A-Z2-7]{55} is not one of/,
    )
  })

  it('asks approval for a borrow, and the stored preview says it in the decoder’s words', async () => {
    const xdr = submit(me.publicKey(), [request(4, USDC_SAC, 10_000_000n)])
    const reply = await t.client.call('tx.sign', { accountId, xdr })
    expect(reply.body.error?.code).toBe('ERR_APPROVAL_REQUIRED')
    const { details } = reply.body.error as unknown as {
      details: { reason: string; preview?: { lines: { text: string }[] } }
    }
    expect(details.reason).toContain('borrows 1 USDC from Blend pool TestnetV2')
    expect(details.preview?.lines.map((l) => l.text)).toEqual([
      `Borrow 1 USDC from Blend pool TestnetV2 (CCEB…4HGF), paid to ${me.publicKey().slice(0, 4)}…${me.publicKey().slice(-4)} (debt that can be liquidated)`,
    ])
  })
})
