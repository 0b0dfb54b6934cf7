/**
 * A compromised edge, or a leaked client certificate: the attacker holds exactly the Worker's mTLS identity
 * (the SIGNER binding, as test/support/reliability/signer-rpc.ts holds it) and speaks the envelope to the
 * real signer directly, naming the victim as `userId`. They can spend within the victim's automatic limits
 * (that path must keep working), and nothing else: no export, no delete, no approval, no loosening, no passkey added,
 * with no proof or with a forged one. And when the real edge forwards a forged assertion (here: a SIGNER
 * binding that flips one bit of the relayed signature), the signer refuses it on its own. Threats these
 * tests pin down: a hostile Worker (or a stolen client certificate) exporting or destroying seeds, approving payments,
 * removing a user's limits or planting its own passkey.
 */
import { env } from 'cloudflare:workers'
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { Account, Asset, Keypair, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { beforeAll, describe, expect, it } from 'vitest'
import { createSecretScan } from '../support/reliability/secret-scan.ts'
import { SoftAuthenticator } from '../support/webauthn/authenticator.ts'
import { json, testApp } from './support/app.ts'
import {
  errorCode,
  exportWithProof,
  importWithProof,
  type Options,
  post,
  proofFor,
  type Registered,
  RP_ID,
  RP_ORIGIN,
  register,
} from './support/auth-flows.ts'
import { recordingApp, watchSeed } from './support/recording.ts'
import { exportKey, openExport } from './support/seal.ts'

const SIGNER_URL = String(Reflect.get(env, 'SIGNER_URL'))
const HORIZON = String(Reflect.get(env, 'HORIZON_URL'))

type Reply = {
  status: number
  body: { ok: boolean; result?: Record<string, unknown>; error?: { code: string } }
}

/** The attacker's whole capability: an envelope over the Worker's client certificate. */
async function rpc(method: string, userId: string, params: unknown): Promise<Reply> {
  const res = await env.SIGNER.fetch(`${SIGNER_URL}/v1/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ requestId: `atk_${crypto.randomUUID()}`, issuedAt: Date.now(), userId, params }),
  })
  return { status: res.status, body: (await res.json()) as Reply['body'] }
}

const payment = (source: string, seq: string, amount: string, destination = Keypair.random().publicKey()) =>
  new TransactionBuilder(new Account(source, seq), { fee: '100', networkPassphrase: Networks.TESTNET })
    .addOperation(Operation.payment({ destination, asset: Asset.native(), amount }))
    .setTimeout(120)
    .build()
    .toEnvelope()
    .toXDR('base64')

/** Just above the victim's approval threshold as the signer reports it: asks for approval, under the caps. */
async function approvalAmount(): Promise<string> {
  const view = await rpc('policy.get', victim.userId, {})
  const native = (view.body.result?.assets as { native?: { approvalAbove: string | null } } | undefined)
    ?.native
  return String(Math.floor(Number(native?.approvalAbove ?? '0')) + 1)
}

const sequenceOf = async (g: string) =>
  ((await (await fetch(`${HORIZON}/accounts/${g}`)).json()) as { sequence: string }).sequence

/** The attacker's own authenticator: a real key, just not one the victim registered. */
async function forgedAssertion(userId: string, operation: Record<string, unknown>) {
  const issued = await rpc('user.challenge', userId, { operation })
  const challenge = String(issued.body.result?.challenge)
  const mine = new SoftAuthenticator(RP_ORIGIN)
  await mine.create({
    rp: { id: RP_ID, name: 'x' },
    user: { id: 'eA', name: 'x', displayName: 'x' },
    challenge: 'AAAA',
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  })
  return mine.get({ challenge, rpId: RP_ID })
}

const c = testApp()
let victim: Registered
let accountId = ''
let publicKey = ''
const TIGHT = { assets: { native: { daily: '500' } } }

beforeAll(async () => {
  victim = await register(c)
  const kp = Keypair.random()
  const imported = await importWithProof(c, victim, kp.secret())
  expect(imported.status).toBe(201)
  ;({ accountId, publicKey } = await json<{ accountId: string; publicKey: string }>(imported))
  expect((await post(c, `/api/accounts/${accountId}/fund`, undefined, victim.auth)).status).toBe(200)
  // The victim's own tighter daily limit (tightening needs no proof).
  expect((await rpc('policy.set', victim.userId, TIGHT)).status).toBe(200)
})

describe('with only the client certificate', () => {
  it('the automatic path within limits still works: a small payment is signed and lands', async () => {
    const dest = Keypair.random().publicKey()
    expect((await fetch(`${HORIZON}/friendbot?addr=${dest}`)).status).toBe(200)
    const signed = await rpc('tx.sign', victim.userId, {
      accountId,
      xdr: payment(publicKey, await sequenceOf(publicKey), '1', dest),
    })
    expect(signed.status).toBe(200)
    const res = await fetch(`${HORIZON}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `tx=${encodeURIComponent(String(signed.body.result?.signedXdr))}`,
    })
    expect(res.status).toBe(200)
  })

  it('cannot export: no proof, or a forged one, is refused and nothing is sealed to the attacker', async () => {
    const { recipientPublicKey } = await exportKey()
    const bare = await rpc('accounts.export', victim.userId, { accountId, recipientPublicKey })
    expect([bare.status, bare.body.error?.code]).toEqual([401, 'ERR_USER_PROOF_REQUIRED'])
    const op = { method: 'accounts.export', accountId, recipientPublicKey }
    const assertion = await forgedAssertion(victim.userId, op)
    const forged = await rpc('accounts.export', victim.userId, {
      accountId,
      recipientPublicKey,
      proof: { assertion },
    })
    expect([forged.status, forged.body.error?.code]).toEqual([401, 'ERR_USER_PROOF_UNKNOWN_CREDENTIAL'])
    for (const r of [bare, forged]) expect(r.body.result).toBeUndefined()
    expect(JSON.stringify([bare.body, forged.body])).not.toMatch(/S[A-Z2-7]{55}/)
  })

  it("cannot export by relaying the victim's genuine proof with its own recipient key", async () => {
    // The victim asks (through the edge) for a proof over their page's key A; the attacker keeps the proof
    // and sends it with its own key B, hoping for the seed sealed to B.
    const page = await exportKey()
    const attacker = await exportKey()
    const operation = { method: 'accounts.export', accountId, recipientPublicKey: page.recipientPublicKey }
    const proof = await proofFor(c, victim.authenticator, victim.auth, operation)
    const relayed = await rpc('accounts.export', victim.userId, {
      accountId,
      recipientPublicKey: attacker.recipientPublicKey,
      proof,
    })
    expect([relayed.status, relayed.body.error?.code]).toEqual([403, 'ERR_USER_PROOF_MISMATCH'])
    expect(relayed.body.result).toBeUndefined()
    // The refusal changed nothing: the page's own request with that proof and its own key still works,
    // and what comes back opens only with the page's key.
    const own = await rpc('accounts.export', victim.userId, {
      accountId,
      recipientPublicKey: page.recipientPublicKey,
      proof,
    })
    expect(own.status).toBe(200)
    const sealed = own.body.result?.sealed as { enc: string; ciphertext: string }
    expect(await openExport(attacker, sealed, victim.userId, accountId)).toBeUndefined()
    expect(await openExport(page, sealed, victim.userId, accountId)).toMatch(/^S[A-Z2-7]{55}$/)
  })

  it("cannot delete the victim's key: no proof, a forged one, or the victim's proof for an export", async () => {
    const bare = await rpc('accounts.delete', victim.userId, { accountId })
    expect([bare.status, bare.body.error?.code]).toEqual([401, 'ERR_USER_PROOF_REQUIRED'])
    const forged = await rpc('accounts.delete', victim.userId, {
      accountId,
      proof: { assertion: await forgedAssertion(victim.userId, { method: 'accounts.delete', accountId }) },
    })
    expect([forged.status, forged.body.error?.code]).toEqual([401, 'ERR_USER_PROOF_UNKNOWN_CREDENTIAL'])
    // The victim's genuine proof, made for exporting this account, is no proof for deleting it.
    const page = await exportKey()
    const exportOp = { method: 'accounts.export', accountId, recipientPublicKey: page.recipientPublicKey }
    const exportProof = await proofFor(c, victim.authenticator, victim.auth, exportOp)
    const repurposed = await rpc('accounts.delete', victim.userId, { accountId, proof: exportProof })
    expect([repurposed.status, repurposed.body.error?.code]).toEqual([403, 'ERR_USER_PROOF_MISMATCH'])
    for (const r of [bare, forged, repurposed]) expect(r.body.result).toBeUndefined()
    // The sealed key is still there: the victim's genuine export proof still exports it.
    const own = await rpc('accounts.export', victim.userId, {
      accountId,
      recipientPublicKey: page.recipientPublicKey,
      proof: exportProof,
    })
    expect(own.status).toBe(200)
    const sealed = own.body.result?.sealed as { enc: string; ciphertext: string }
    expect(await openExport(page, sealed, victim.userId, accountId)).toMatch(/^S[A-Z2-7]{55}$/)
  })

  it('cannot approve: the approval stays pending and its transaction does not sign', async () => {
    const xdr = payment(publicKey, await sequenceOf(publicKey), await approvalAmount())
    const asked = await rpc('tx.sign', victim.userId, { accountId, xdr })
    expect(asked.body.error?.code).toBe('ERR_APPROVAL_REQUIRED')
    const { approvalId } = (asked.body.error as unknown as { details: { approvalId: string } }).details
    const bare = await rpc('approvals.approve', victim.userId, { approvalId })
    expect(bare.body.error?.code).toBe('ERR_USER_PROOF_REQUIRED')
    const assertion = await forgedAssertion(victim.userId, { method: 'approvals.approve', approvalId })
    const forged = await rpc('approvals.approve', victim.userId, { approvalId, proof: { assertion } })
    expect(forged.status).toBe(401)
    expect((await rpc('approvals.get', victim.userId, { approvalId })).body.result?.status).toBe('pending')
    const sign = await rpc('tx.sign', victim.userId, { accountId, xdr, approvalId })
    expect(sign.body.error?.code).toBe('ERR_APPROVAL_INVALID')
  })

  it("cannot loosen the victim's own limit; tightening still goes through", async () => {
    const looser = await rpc('policy.set', victim.userId, { assets: { native: { daily: '1000' } } })
    expect([looser.status, looser.body.error?.code]).toEqual([401, 'ERR_USER_PROOF_REQUIRED'])
    const view = await rpc('policy.get', victim.userId, {})
    expect((view.body.result?.assets as { native: { daily: string } } | undefined)?.native.daily).toBe('500')
    expect((await rpc('policy.set', victim.userId, { assets: { native: { daily: '400' } } })).status).toBe(
      200,
    )
  })

  it('cannot add a passkey, nor register a second "first" one, nor redeem a guessed recovery code', async () => {
    const mine = new SoftAuthenticator(RP_ORIGIN)
    const credential = await mine.create({
      rp: { id: RP_ID, name: 'x' },
      user: { id: 'eA', name: 'x', displayName: 'x' },
      challenge: 'AAAA',
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    })
    expect((await rpc('passkeys.add', victim.userId, { credential })).body.error?.code).toBe(
      'ERR_USER_PROOF_REQUIRED',
    )
    const again = await rpc('users.register', victim.userId, { credential, recoveryCodes: ['aaaaa-aaaaa'] })
    expect(again.body.error?.code).toBe('ERR_USER_EXISTS')
    const guess = await rpc('recovery.redeem', victim.userId, { code: 'aaaaa-aaaaa' })
    expect(guess.body.error?.code).toBe('ERR_USER_RECOVERY_INVALID')
    // The victim's passkeys as the signer knows them: still exactly the one they registered.
    const issued = await rpc('user.challenge', victim.userId, {
      operation: {
        method: 'accounts.export',
        accountId,
        recipientPublicKey: (await exportKey()).recipientPublicKey,
      },
    })
    expect((issued.body.result?.credentials as unknown[] | undefined)?.length).toBe(1)
  })
})

describe('a forged assertion forwarded by the edge', () => {
  it('is refused by the signer although the edge checked and passed the real one', async () => {
    // The binding between the real edge and the signer flips one bit of the relayed signature.
    const tampering = {
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const body =
          typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined
        const params = body?.params as
          | { proof?: { assertion: { response: { signature: string } } } }
          | undefined
        if (params?.proof) {
          const s = params.proof.assertion.response.signature
          params.proof.assertion.response.signature = `${s.slice(0, -2)}${s.endsWith('A') ? 'B' : 'A'}${s.slice(-1)}`
          return env.SIGNER.fetch(input, { ...init, body: JSON.stringify(body) })
        }
        return env.SIGNER.fetch(input, init)
      },
    } as unknown as Fetcher
    const edge = testApp({ signer: tampering })
    const xdr = payment(publicKey, await sequenceOf(publicKey), await approvalAmount())
    const asked = await rpc('tx.sign', victim.userId, { accountId, xdr })
    const { approvalId } = (asked.body.error as unknown as { details: { approvalId: string } }).details
    const opts = await json<Options<PublicKeyCredentialRequestOptionsJSON>>(
      await post(edge, `/api/approvals/${approvalId}/options`, undefined, victim.auth),
    )
    const response = await victim.authenticator.get(opts.options)
    const res = await post(
      edge,
      `/api/approvals/${approvalId}/approve`,
      { challengeId: opts.challengeId, response },
      victim.auth,
    )
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('ERR_USER_PROOF_INVALID')
    expect((await rpc('approvals.get', victim.userId, { approvalId })).body.result?.status).toBe('pending')
  })
})

describe('no seed in anything the edge handles', () => {
  it('a genuine import and export, and an attacker relaying the proof: every body on both sides is seed-free', async () => {
    const scan = createSecretScan()
    const edge = recordingApp(scan)
    const kp = Keypair.random()
    watchSeed(scan, kp)
    const user = await register(edge)
    const imported = await importWithProof(edge, user, kp.secret())
    expect(imported.status).toBe(201)
    const { accountId: id } = await json<{ accountId: string }>(imported)
    const { res, key } = await exportWithProof(edge, user, id)
    expect(res.status).toBe(200)
    const { sealed } = await json<{ sealed: { enc: string; ciphertext: string } }>(res)
    // Only the page's ephemeral key opens it; the edge saw ciphertext.
    expect(await openExport(key, sealed, user.userId, id)).toBe(kp.secret())
    // What the compromised edge holds after that: the sealed export and a spent proof. Relaying a fresh
    // proof of the user's with its own key gets nothing either (and is recorded like the rest).
    const attacker = await exportKey()
    const operation = { method: 'accounts.export', accountId: id, recipientPublicKey: key.recipientPublicKey }
    const proof = await proofFor(edge, user.authenticator, user.auth, operation)
    const relayed = await post(
      edge,
      `/api/accounts/${id}/export`,
      { recipientPublicKey: attacker.recipientPublicKey, proof },
      user.auth,
    )
    expect([relayed.status, await errorCode(relayed)]).toEqual([403, 'ERR_USER_PROOF_MISMATCH'])
    // Registration, re-auth ceremonies, challenges, import, export, the relay: both sides of the edge.
    expect(scan.sources).toBeGreaterThanOrEqual(20)
    expect(scan.scan()).toEqual([])
  })
})
