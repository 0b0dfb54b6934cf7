/**
 * User proofs for the signer tests, made by the software authenticator the way a browser would: a user is
 * enrolled with users.register (first passkey + recovery codes), then each operation that needs the user
 * gets a user.challenge and an assertion over it. `proven(method, params)` derives the operation from the
 * method and params exactly as the signer will, so a test reads as the call it makes. (Test support: the
 * threats are named by the tests that use it, user-proof.test.ts above all.)
 */
import { createHash, randomBytes } from 'node:crypto'
import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import { type SealedSeed, sealedDigestInput } from '../../shared/seed-seal.ts'
import { SoftAuthenticator, type Tamper } from '../support/webauthn/authenticator.ts'

export type Reply = { status: number; body: { result?: unknown } }
export type Call<R extends Reply> = (method: string, params: unknown, env?: ProofEnv) => Promise<R>

/** The envelope fields a test may set; issuedAt follows a test clock through registration and challenge too. */
export type ProofEnv = { userId?: string; requestId?: string; issuedAt?: number }

export const RECOVERY_CODES = ['aaaaa-bbbbb', 'ccccc-ddddd', 'eeeee-fffff', 'ggggg-hhhhh']

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url')

/** Registration options as the edge makes them (the signer checks origin, RP ID, UV and the key). */
export function creationOptions(userId: string, rpId: string) {
  return {
    rp: { id: rpId, name: 'Tuxedo (test)' },
    user: {
      id: b64url(new TextEncoder().encode(userId)),
      name: `${userId}@test.example`,
      displayName: userId,
    },
    challenge: b64url(randomBytes(32)),
    pubKeyCredParams: [{ type: 'public-key' as const, alg: -7 }],
  }
}

/** What user.challenge commits to for a gated method and its params (mirrors the signer's describe()). */
export function operationOf(method: string, params: Record<string, unknown>): Record<string, unknown> {
  const { proof: _p, ...rest } = params
  switch (method) {
    case 'accounts.import':
      return {
        method,
        ...(rest.kind ? { kind: rest.kind } : {}),
        ...(rest.name ? { name: rest.name } : {}),
        sealedDigest: createHash('sha256')
          .update(sealedDigestInput(rest.sealed as SealedSeed))
          .digest('base64url'),
      }
    case 'policy.set':
      return { method, change: rest }
    default:
      return { method, ...rest }
  }
}

const at = (env: ProofEnv): ProofEnv => (env.issuedAt === undefined ? {} : { issuedAt: env.issuedAt })

/** What the browser turns params into before it asks for a proof (seals a secret, adds an export key). */
export type WireOf = (method: string, params: unknown, userId: string) => Promise<unknown>

export function createProver<R extends Reply>(
  call: Call<R>,
  origin: string,
  rpId: string,
  wireOf: WireOf = async (_m, p) => p,
) {
  const authenticators = new Map<string, SoftAuthenticator>()

  /** users.register for `userId` with a fresh authenticator (idempotent per prover). */
  async function enrol(
    userId: string,
    authenticator = new SoftAuthenticator(origin),
    env: ProofEnv = {},
  ): Promise<SoftAuthenticator> {
    const known = authenticators.get(userId)
    if (known) return known
    const credential = await authenticator.create(creationOptions(userId, rpId))
    const r = await call(
      'users.register',
      { credential, recoveryCodes: RECOVERY_CODES },
      { ...at(env), userId },
    )
    if (r.status !== 200) throw new Error(`users.register: ${r.status} ${JSON.stringify(r.body)}`)
    authenticators.set(userId, authenticator)
    return authenticator
  }

  /** A signer challenge for `operation` and the authenticator's assertion over it. */
  async function assertionFor(
    userId: string,
    operation: Record<string, unknown>,
    tamper: Tamper = {},
    env: ProofEnv = {},
  ): Promise<AuthenticationResponseJSON> {
    const authenticator = await enrol(userId, undefined, env)
    const r = await call('user.challenge', { operation }, { ...at(env), userId })
    const result = r.body.result as { challenge: string; credentials: { id: string }[] } | undefined
    if (!result) throw new Error(`user.challenge: ${r.status} ${JSON.stringify(r.body)}`)
    return authenticator.get(
      {
        challenge: result.challenge,
        rpId,
        allowCredentials: result.credentials.map((c) => ({ id: c.id, type: 'public-key' as const })),
        userVerification: 'required',
      },
      tamper,
    )
  }

  /** Calls a gated method with a valid proof for exactly these params. */
  async function proven(method: string, params: Record<string, unknown>, env: ProofEnv = {}) {
    const userId = env.userId ?? 'user_a'
    const wire = (await wireOf(method, params, userId)) as Record<string, unknown>
    const assertion = await assertionFor(userId, operationOf(method, wire), {}, env)
    return call(method, { ...wire, proof: { assertion } }, { ...env, userId })
  }

  return {
    enrol,
    assertionFor,
    proven,
    authenticatorOf: (userId: string) => authenticators.get(userId),
    /** Uses an authenticator already enrolled (e.g. by another client of the same data dir). */
    adopt: (userId: string, a: SoftAuthenticator) => void authenticators.set(userId, a),
  }
}
