/**
 * tx.sign over the real mTLS signer: signatures verified with stellar-sdk, byte-identical to
 * Transaction.sign(Keypair) (Ed25519 is deterministic), and every structural refusal.
 */
import {
  Keypair,
  MuxedAccount,
  Networks,
  Account as SdkAccount,
  TransactionBuilder,
} from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardAgainstLeaks, startTestSigner, type TestSigner } from './helpers.ts'
import { feeBumpXdr, paymentTx, paymentXdr, verifySigned } from './tx-fixtures.ts'

guardAgainstLeaks()

let t: TestSigner
let kp: Keypair
let accountId: string
beforeAll(async () => {
  t = await startTestSigner()
  kp = Keypair.random()
  const r = await t.client.proven('accounts.import', { secret: kp.secret() })
  accountId = r.body.result?.accountId ?? ''
})
afterAll(async () => {
  await t.stop()
})

describe('tx.sign', () => {
  it('signs exactly as stellar-sdk would, with the testnet hash', async () => {
    const tx = paymentTx(kp.publicKey())
    const xdr = tx.toEnvelope().toXDR('base64')
    const reply = await t.client.call('tx.sign', { accountId, xdr })
    expect(reply.status).toBe(200)
    tx.sign(kp)
    expect(reply.body.result?.signedXdr).toBe(tx.toEnvelope().toXDR('base64'))
    expect(reply.body.result?.hash).toBe(Buffer.from(tx.hash()).toString('hex'))
    expect(verifySigned(reply.body.result?.signedXdr ?? '', kp.publicKey()).valid).toBe(true)
  })

  it.each([1, 2])('appends to %i existing signature(s) exactly as stellar-sdk would', async (n) => {
    const tx = paymentTx(kp.publicKey())
    for (let i = 0; i < n; i++) tx.sign(Keypair.random())
    const reply = await t.client.call('tx.sign', { accountId, xdr: tx.toEnvelope().toXDR('base64') })
    tx.sign(kp)
    expect(reply.body.result?.signedXdr).toBe(tx.toEnvelope().toXDR('base64'))
    expect(reply.body.result?.hash).toBe(Buffer.from(tx.hash()).toString('hex'))
  })

  it('signs a fee bump exactly as stellar-sdk would', async () => {
    const xdr = feeBumpXdr(kp.publicKey(), Keypair.random())
    const reply = await t.client.call('tx.sign', { accountId, xdr })
    const bump = TransactionBuilder.fromXDR(xdr, Networks.TESTNET)
    bump.sign(kp)
    expect(reply.body.result?.signedXdr).toBe(bump.toEnvelope().toXDR('base64'))
    expect(reply.body.result?.hash).toBe(Buffer.from(bump.hash()).toString('hex'))
  })

  it('refuses (policy) when the account is only an operation source of a foreign transaction', async () => {
    // Structurally signable (tx/check.ts), but the spending policy (issue 6) requires the transaction
    // source to be the signing account: our signature would also count towards the foreign source.
    const xdr = paymentXdr(Keypair.random().publicKey(), { opSource: kp.publicKey() })
    const reply = await t.client.call('tx.sign', { accountId, xdr })
    expect(reply.status).toBe(403)
    expect(reply.body.error?.code).toBe('ERR_POLICY_SOURCE')
  })

  it('signs for a muxed (M…) source of its account', async () => {
    const muxed = new MuxedAccount(new SdkAccount(kp.publicKey(), '1'), '42').accountId()
    const xdr = paymentXdr(muxed)
    const reply = await t.client.call('tx.sign', { accountId, xdr })
    expect(reply.status).toBe(200)
  })

  it('signs a fee bump as its fee source', async () => {
    const xdr = feeBumpXdr(kp.publicKey(), Keypair.random())
    const reply = await t.client.call('tx.sign', { accountId, xdr })
    expect(reply.status).toBe(200)
    expect(verifySigned(reply.body.result?.signedXdr ?? '', kp.publicKey()).valid).toBe(true)
  })

  it('accepts an explicit, matching network passphrase', async () => {
    const reply = await t.client.call('tx.sign', {
      accountId,
      xdr: paymentXdr(kp.publicKey()),
      networkPassphrase: Networks.TESTNET,
    })
    expect(reply.status).toBe(200)
  })

  it.each([
    [
      'another account’s transaction',
      () => paymentXdr(Keypair.random().publicKey()),
      {},
      400,
      'ERR_TX_SOURCE_MISMATCH',
    ],
    [
      'a fee bump where it is only the inner source',
      () => feeBumpXdr(Keypair.random().publicKey(), kp),
      {},
      400,
      'ERR_TX_SOURCE_MISMATCH',
    ],
    [
      'the mainnet passphrase',
      () => paymentXdr(kp.publicKey()),
      { networkPassphrase: Networks.PUBLIC },
      400,
      'ERR_TX_NETWORK_MISMATCH',
    ],
    ['base64 that is not an envelope', () => 'AAAAAAAAAAAA', {}, 400, 'ERR_TX_INVALID'],
    ['an envelope cut short', () => paymentXdr(kp.publicKey()).slice(0, 80), {}, 400, 'ERR_TX_INVALID'],
    ['non-base64 xdr', () => 'not xdr!', {}, 400, 'ERR_VALIDATION'],
    ['non-canonical base64', () => `${paymentXdr(kp.publicKey()).slice(0, -2)}B=`, {}, 400, 'ERR_TX_INVALID'],
    ['an unknown params key', () => paymentXdr(kp.publicKey()), { fee: '1' }, 400, 'ERR_VALIDATION'],
  ])('refuses %s', async (_name, xdr, extra, status, code) => {
    const reply = await t.client.call('tx.sign', { accountId, xdr: xdr(), ...extra })
    expect(reply.status).toBe(status)
    expect(reply.body.error?.code).toBe(code)
  })

  it('a created account signs too (secret never left the signer)', async () => {
    const created = await t.client.call('accounts.create', { kind: 'agent' })
    const pub = created.body.result?.publicKey ?? ''
    const reply = await t.client.call('tx.sign', {
      accountId: created.body.result?.accountId,
      xdr: paymentXdr(pub),
    })
    expect(verifySigned(reply.body.result?.signedXdr ?? '', pub).valid).toBe(true)
    // The envelope decodes with the SDK under the configured network.
    expect(() =>
      TransactionBuilder.fromXDR(reply.body.result?.signedXdr ?? '', Networks.TESTNET),
    ).not.toThrow()
  })
})
