/**
 * The user's own proof, checked by the signer (issue 13), over the real mTLS signer with the software
 * authenticator. Each bad row is one way an edge (or anyone holding its client certificate) might try to
 * export, import, delete, approve, loosen a limit or change passkeys without the user: missing, forged, replayed,
 * stale, for another operation/account/approval/user, counter backwards, UV missing, unknown credential.
 * Each answers its stable code, changes nothing in the keystore (snapshot before and after), and leaves a
 * deny entry with that code in the audit log. The good rows show the same calls succeed with a real proof.
 * Threats these rows pin down: forged, relayed, replayed, stale or repurposed assertions; cloned
 * authenticators; presence without verification; passkeys planted by whoever relays the ceremonies.
 */
import { randomBytes } from 'node:crypto'
import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import { Keypair } from '@stellar/stellar-sdk/base'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { sealSuite, toBase64url } from '../../shared/seed-seal.ts'
import { dbPath } from '../../signer/store/sqlite/db.ts'
import { SoftAuthenticator, type Tamper } from '../support/webauthn/authenticator.ts'
import {
  type Envelope,
  guardAgainstLeaks,
  type RpcReply,
  startTestSigner,
  TEST_RP_ID,
  TEST_RP_ORIGIN,
  type TestSigner,
  testEnv,
} from './helpers.ts'
import { buildTx, pay, randomKey } from './policy-fixtures.ts'
import { createProver, creationOptions, operationOf, RECOVERY_CODES } from './proofs.ts'

guardAgainstLeaks()

let now = Date.now()
let t: TestSigner
const call = (method: string, params: unknown, env: Envelope = {}) =>
  t.client.call(method, params, { issuedAt: now, ...env })
const prover = createProver(call, TEST_RP_ORIGIN, TEST_RP_ID, (m, p, u) => t.client.wireOf(m, p, u))
/** The test client's ephemeral export key (what call() adds to an export) and another, an edge's own. */
let E = ''
let OTHER_KEY = ''
/** What an export proof commits to: the account and the recipient key. */
const exportOp = (accountId: string, recipientPublicKey = E) => ({
  method: 'accounts.export',
  accountId,
  recipientPublicKey,
})

const P = 'user_p'
const Q = 'user_q'
const asP = { userId: P }
const asQ = { userId: Q }
let kp: Keypair
let accountP = ''
let account2P = ''
let accountQ = ''

/** A signer challenge for `operation` issued to `userId`. */
async function challenge(userId: string, operation: Record<string, unknown>): Promise<string> {
  const r = await call('user.challenge', { operation }, { userId })
  const c = (r.body.result as { challenge?: string } | undefined)?.challenge
  if (!c) throw new Error(`user.challenge: ${JSON.stringify(r.body)}`)
  return c
}

/** `authenticator` signs `challengeValue` (its first credential for the RP). */
const sign = (a: SoftAuthenticator, challengeValue: string, tamper: Tamper = {}) =>
  a.get({ challenge: challengeValue, rpId: TEST_RP_ID, userVerification: 'required' }, tamper)

const auth = (userId: string): SoftAuthenticator => {
  const a = prover.authenticatorOf(userId)
  if (!a) throw new Error(`${userId} not enrolled`)
  return a
}

const withProof = (params: Record<string, unknown>, assertion: AuthenticationResponseJSON) => ({
  ...params,
  proof: { assertion },
})

/** Everything a refusal must leave as it was (the audit and idempotency tables excepted). */
function snapshot(): string {
  const db = new Database(dbPath(t.env.SIGNER_DATA_DIR ?? ''), { readonly: true })
  try {
    const q = (sql: string) => db.prepare(sql).all()
    return JSON.stringify({
      accounts: q('SELECT id, user_id FROM accounts ORDER BY id'),
      approvals: q('SELECT id, status, decided_ms FROM approvals ORDER BY id'),
      policies: q('SELECT user_id, policy FROM user_policies ORDER BY user_id'),
      credentials: q('SELECT id, user_id, counter, last_used_at FROM user_credentials ORDER BY id'),
      challenges: q('SELECT challenge, used_ms FROM user_challenges ORDER BY challenge'),
      codes: q('SELECT user_id, code_hash, used_ms FROM user_recovery_codes ORDER BY user_id, code_hash'),
      grants: q('SELECT user_id FROM user_recovery_grants ORDER BY user_id'),
    })
  } finally {
    db.close()
  }
}

async function pendingApproval(): Promise<{ approvalId: string; txHash: string }> {
  const xdr = buildTx({
    source: kp.publicKey(),
    ops: [pay(randomKey(), '50')],
    maxTime: Math.floor(now / 1000) + 200,
  })
    .toEnvelope()
    .toXDR('base64')
  const r = await call('tx.sign', { accountId: accountP, xdr }, asP)
  expect(r.body.error?.code).toBe('ERR_APPROVAL_REQUIRED')
  return (r.body.error as unknown as { details: { approvalId: string; txHash: string } }).details
}

beforeAll(async () => {
  // Explicit limits: 50 XLM always asks for approval, whatever the built-in defaults are.
  const policy = { assets: [{ asset: 'native', perTx: '100', daily: '100000', approvalAbove: '10' }] }
  t = await startTestSigner({
    clock: () => now,
    env: testEnv({ SIGNER_POLICY_DEFAULTS: JSON.stringify(policy) }),
  })
  await prover.enrol(P)
  await prover.enrol(Q)
  E = await t.client.ephemeralPublicKey()
  const edgeKey = await sealSuite().kem.generateKeyPair()
  OTHER_KEY = toBase64url(new Uint8Array(await sealSuite().kem.serializePublicKey(edgeKey.publicKey)))
  kp = Keypair.random()
  const imported = await prover.proven('accounts.import', { secret: kp.secret() }, asP)
  accountP = (imported.body.result as { accountId: string }).accountId
  account2P = ((await call('accounts.create', { kind: 'agent' }, asP)).body.result as { accountId: string })
    .accountId
  accountQ = ((await call('accounts.create', { kind: 'user' }, asQ)).body.result as { accountId: string })
    .accountId
  // Tighter limits P set; loosening them back needs P's proof.
  expect((await call('policy.set', { assets: { native: { daily: '900' } } }, asP)).status).toBe(200)
})
afterAll(async () => {
  await t.stop()
})
beforeEach(() => {
  now = Date.now()
})

type Attempt = { method: string; params: Record<string, unknown>; env: { userId: string } }
type BadRow = [string, () => Promise<Attempt>, string, number]

const LOOSER = { assets: { native: { daily: '1000' } } }

const bad: BadRow[] = [
  [
    'export without a proof',
    async () => ({ method: 'accounts.export', params: { accountId: accountP }, env: asP }),
    'ERR_USER_PROOF_REQUIRED',
    401,
  ],
  [
    'export with a forged signature',
    async () => {
      const a = await sign(auth(P), await challenge(P, exportOp(accountP)), {
        flipSignature: true,
      })
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_INVALID',
    401,
  ],
  [
    'export signed by a key that is not the registered one',
    async () => {
      const a = await sign(auth(P), await challenge(P, exportOp(accountP)), {
        wrongKey: true,
      })
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_INVALID',
    401,
  ],
  [
    'export made on another origin',
    async () => {
      const c = await challenge(P, exportOp(accountP))
      const a = await sign(auth(P), c, { origin: 'https://evil.example' })
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_INVALID',
    401,
  ],
  [
    'export made for another RP ID',
    async () => {
      const c = await challenge(P, exportOp(accountP))
      const a = await sign(auth(P), c, { rpId: 'evil.example' })
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_INVALID',
    401,
  ],
  [
    'export over a challenge the signer never issued',
    async () => {
      const a = await sign(auth(P), randomBytes(48).toString('base64url'))
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_INVALID',
    401,
  ],
  [
    'export with an unknown credential',
    async () => {
      const stranger = new SoftAuthenticator(TEST_RP_ORIGIN)
      await stranger.create(creationOptions(P, TEST_RP_ID))
      const a = await sign(stranger, await challenge(P, exportOp(accountP)))
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_UNKNOWN_CREDENTIAL',
    401,
  ],
  [
    "export with another user's passkey (Q proves, sent as P)",
    async () => {
      const a = await sign(auth(Q), await challenge(P, exportOp(accountP)))
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_UNKNOWN_CREDENTIAL',
    401,
  ],
  [
    'export over a challenge issued to another user',
    async () => {
      const a = await sign(auth(P), await challenge(Q, exportOp(accountQ)))
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_MISMATCH',
    403,
  ],
  [
    'export of another account than the proof names',
    async () => {
      const a = await sign(auth(P), await challenge(P, exportOp(account2P)))
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_MISMATCH',
    403,
  ],
  [
    'export with a proof made for another operation',
    async () => {
      const a = await sign(auth(P), await challenge(P, operationOf('policy.set', LOOSER)))
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_MISMATCH',
    403,
  ],
  [
    'export with a replayed proof',
    async () => {
      const a = await sign(auth(P), await challenge(P, exportOp(accountP)))
      const params = withProof({ accountId: accountP }, a)
      expect((await call('accounts.export', params, asP)).status).toBe(200)
      return { method: 'accounts.export', params, env: asP }
    },
    'ERR_USER_PROOF_REPLAYED',
    401,
  ],
  [
    // A compromised edge relays the user's genuine proof (made for the page's key A) with its own key B, to
    // receive the seed sealed to itself: another key is another operation, and nothing is sealed.
    "export with the user's proof for key A relayed with the edge's key B",
    async () => {
      const a = await sign(auth(P), await challenge(P, exportOp(accountP, E)))
      return {
        method: 'accounts.export',
        params: withProof({ accountId: accountP, recipientPublicKey: OTHER_KEY }, a),
        env: asP,
      }
    },
    'ERR_USER_PROOF_MISMATCH',
    403,
  ],
  [
    'export with a stale proof (challenge older than 2 minutes)',
    async () => {
      const a = await sign(auth(P), await challenge(P, exportOp(accountP)))
      now += 2 * 60_000 + 1
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_STALE',
    401,
  ],
  [
    'export without user verification (UV flag clear)',
    async () => {
      const a = await sign(auth(P), await challenge(P, exportOp(accountP)), {
        userVerified: false,
      })
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_UV_REQUIRED',
    403,
  ],
  [
    'export with a counter that went backwards (a cloned authenticator)',
    async () => {
      await prover.proven('accounts.export', { accountId: accountP }, asP)
      const a = await sign(auth(P), await challenge(P, exportOp(accountP)), {
        counter: 1,
      })
      return { method: 'accounts.export', params: withProof({ accountId: accountP }, a), env: asP }
    },
    'ERR_USER_PROOF_COUNTER',
    403,
  ],
  [
    // A compromised edge (or a leaked client certificate) destroying a user's sealed key: refused, row kept.
    'delete without a proof',
    async () => ({ method: 'accounts.delete', params: { accountId: account2P }, env: asP }),
    'ERR_USER_PROOF_REQUIRED',
    401,
  ],
  [
    "delete with the user's proof for deleting another of their accounts",
    async () => {
      const a = await sign(auth(P), await challenge(P, { method: 'accounts.delete', accountId: accountP }))
      return { method: 'accounts.delete', params: withProof({ accountId: account2P }, a), env: asP }
    },
    'ERR_USER_PROOF_MISMATCH',
    403,
  ],
  [
    "delete with the user's proof for another operation (exporting this account)",
    async () => {
      const a = await sign(auth(P), await challenge(P, exportOp(account2P)))
      return { method: 'accounts.delete', params: withProof({ accountId: account2P }, a), env: asP }
    },
    'ERR_USER_PROOF_MISMATCH',
    403,
  ],
  [
    'delete with a forged signature',
    async () => {
      const op = { method: 'accounts.delete', accountId: account2P }
      const a = await sign(auth(P), await challenge(P, op), { flipSignature: true })
      return { method: 'accounts.delete', params: withProof({ accountId: account2P }, a), env: asP }
    },
    'ERR_USER_PROOF_INVALID',
    401,
  ],
  [
    'approve without a proof',
    async () => ({
      method: 'approvals.approve',
      params: { approvalId: (await pendingApproval()).approvalId },
      env: asP,
    }),
    'ERR_USER_PROOF_REQUIRED',
    401,
  ],
  [
    'approve with a proof for another approval',
    async () => {
      const [first, second] = [await pendingApproval(), await pendingApproval()]
      const a = await sign(
        auth(P),
        await challenge(P, { method: 'approvals.approve', approvalId: first.approvalId }),
      )
      return {
        method: 'approvals.approve',
        params: withProof({ approvalId: second.approvalId }, a),
        env: asP,
      }
    },
    'ERR_USER_PROOF_MISMATCH',
    403,
  ],
  [
    'loosening policy.set without a proof',
    async () => ({ method: 'policy.set', params: LOOSER, env: asP }),
    'ERR_USER_PROOF_REQUIRED',
    401,
  ],
  [
    'loosening policy.set with a proof for other limits',
    async () => {
      const other = { assets: { native: { daily: '950' } } }
      const a = await sign(auth(P), await challenge(P, operationOf('policy.set', other)))
      return { method: 'policy.set', params: withProof(LOOSER, a), env: asP }
    },
    'ERR_USER_PROOF_MISMATCH',
    403,
  ],
  [
    'widening an allow-list without a proof',
    async () => {
      const tight = { destinations: { [account2P]: [randomKey()] } }
      expect((await call('policy.set', tight, asP)).status).toBe(200)
      return { method: 'policy.set', params: { destinations: { [account2P]: [randomKey()] } }, env: asP }
    },
    'ERR_USER_PROOF_REQUIRED',
    401,
  ],
  [
    'import without a proof',
    async () => ({ method: 'accounts.import', params: { secret: Keypair.random().secret() }, env: asP }),
    'ERR_USER_PROOF_REQUIRED',
    401,
  ],
  [
    'import of another seal than the proof names (an edge planting its own key)',
    async () => {
      const a = await sign(
        auth(P),
        await challenge(
          P,
          operationOf(
            'accounts.import',
            (await t.client.wireOf('accounts.import', { secret: Keypair.random().secret() }, P)) as Record<
              string,
              unknown
            >,
          ),
        ),
      )
      return {
        method: 'accounts.import',
        params: withProof({ secret: Keypair.random().secret() }, a),
        env: asP,
      }
    },
    'ERR_USER_PROOF_MISMATCH',
    403,
  ],
  [
    'adding a passkey without a proof or a redeemed recovery code',
    async () => {
      const credential = await new SoftAuthenticator(TEST_RP_ORIGIN).create(creationOptions(P, TEST_RP_ID))
      return { method: 'passkeys.add', params: { credential }, env: asP }
    },
    'ERR_USER_PROOF_REQUIRED',
    401,
  ],
  [
    'adding a passkey with a proof naming another credential',
    async () => {
      const credential = await new SoftAuthenticator(TEST_RP_ORIGIN).create(creationOptions(P, TEST_RP_ID))
      const a = await sign(
        auth(P),
        await challenge(P, { method: 'passkeys.add', credentialId: 'A'.repeat(43) }),
      )
      return { method: 'passkeys.add', params: withProof({ credential }, a), env: asP }
    },
    'ERR_USER_PROOF_MISMATCH',
    403,
  ],
  [
    'a second "first" passkey for a user the signer knows',
    async () => {
      const credential = await new SoftAuthenticator(TEST_RP_ORIGIN).create(creationOptions(P, TEST_RP_ID))
      return { method: 'users.register', params: { credential, recoveryCodes: ['zzzzz-zzzzz'] }, env: asP }
    },
    'ERR_USER_EXISTS',
    409,
  ],
  [
    'removing a passkey without a proof',
    async () => {
      const extra = new SoftAuthenticator(TEST_RP_ORIGIN)
      const credential = await extra.create(creationOptions(P, TEST_RP_ID))
      const a = await sign(
        auth(P),
        await challenge(P, { method: 'passkeys.add', credentialId: credential.id }),
      )
      expect((await call('passkeys.add', withProof({ credential }, a), asP)).status).toBe(200)
      return { method: 'passkeys.remove', params: { credentialId: credential.id }, env: asP }
    },
    'ERR_USER_PROOF_REQUIRED',
    401,
  ],
  [
    'a wrong recovery code',
    async () => ({ method: 'recovery.redeem', params: { code: 'wrong-codes' }, env: asQ }),
    'ERR_USER_RECOVERY_INVALID',
    401,
  ],
  [
    "another user's recovery code",
    async () => ({
      method: 'recovery.redeem',
      params: { code: RECOVERY_CODES[1] ?? '' },
      env: { userId: 'user_never_enrolled' },
    }),
    'ERR_USER_RECOVERY_INVALID',
    401,
  ],
]

describe('refusals: stable code, nothing changed, audited', () => {
  it.each(bad.map(([name, build, code, status]) => [name, code, status, build] as const))(
    '%s → %s (%i)',
    async (_name, code, status, build) => {
      const attempt = await build()
      const before = snapshot()
      const reply: RpcReply = await call(attempt.method, attempt.params, attempt.env)
      expect(reply.status).toBe(status)
      expect(reply.body.error?.code).toBe(code)
      expect(reply.body.result).toBeUndefined()
      expect(snapshot()).toEqual(before)
      now = Date.now()
      const audit = await call('audit.list', { limit: 1 }, attempt.env)
      expect(audit.body.result?.entries[0]).toMatchObject({
        method: attempt.method,
        decision: 'deny',
        reasonCode: code,
      })
    },
  )
})

describe('with a real proof the same calls go through', () => {
  it('export returns the secret', async () => {
    const r = await prover.proven('accounts.export', { accountId: accountP }, asP)
    expect(r.body.result?.secret).toBe(kp.secret())
  })
  it('delete removes the account and its key', async () => {
    const made = await call('accounts.create', { kind: 'agent' }, asP)
    const accountId = (made.body.result as { accountId: string }).accountId
    const r = await prover.proven('accounts.delete', { accountId }, asP)
    expect(r.body.result).toEqual({ accountId, deleted: true })
    expect((await call('accounts.get', { accountId }, asP)).body.error?.code).toBe('ERR_ACCOUNT_NOT_FOUND')
  })
  it('approve moves the approval to approved', async () => {
    const { approvalId } = await pendingApproval()
    const r = await prover.proven('approvals.approve', { approvalId }, asP)
    expect((r.body.result as unknown as { status: string }).status).toBe('approved')
  })
  it('tightening needs no proof; loosening with one is stored', async () => {
    expect((await call('policy.set', { assets: { native: { daily: '800' } } }, asP)).status).toBe(200)
    const r = await prover.proven('policy.set', LOOSER, asP)
    expect(r.status).toBe(200)
    expect((r.body.result as unknown as { assets: { native: { daily: string } } }).assets.native.daily).toBe(
      '1000',
    )
  })
  it('a redeemed recovery code allows exactly one passkey without an assertion, and is single use', async () => {
    const code = RECOVERY_CODES[0] ?? ''
    expect((await call('recovery.redeem', { code }, asQ)).status).toBe(200)
    expect((await call('recovery.redeem', { code }, asQ)).body.error?.code).toBe('ERR_USER_RECOVERY_INVALID')
    const first = await new SoftAuthenticator(TEST_RP_ORIGIN).create(creationOptions(Q, TEST_RP_ID))
    expect((await call('passkeys.add', { credential: first }, asQ)).status).toBe(200)
    const second = await new SoftAuthenticator(TEST_RP_ORIGIN).create(creationOptions(Q, TEST_RP_ID))
    expect((await call('passkeys.add', { credential: second }, asQ)).body.error?.code).toBe(
      'ERR_USER_PROOF_REQUIRED',
    )
  })
  it('a passkey removal proven by the user removes it, never the last one', async () => {
    const creds = (await call('user.challenge', { operation: exportOp(accountQ) }, asQ)).body
      .result as unknown as { credentials: { id: string }[] }
    const [keep, drop] = creds.credentials.map((c) => c.id)
    const r = await prover.proven('passkeys.remove', { credentialId: drop ?? '' }, asQ)
    expect(r.status).toBe(200)
    expect((await call('passkeys.remove', { credentialId: keep ?? '' }, asQ)).body.error?.code).toBe(
      'ERR_AUTH_LAST_PASSKEY',
    )
  })
})
