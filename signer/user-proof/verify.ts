/**
 * The asynchronous half of a user proof, run before a request enters its store transaction: WebAuthn
 * signature checks with @simplewebauthn/server against the relying party pinned in the signer's measured
 * configuration and the credential the signer itself stored. Threats this stops: an edge (or anyone with its
 * client certificate) forging an assertion, relaying one made for another origin or RP, or signing with a
 * credential that is not the user's. What it cannot see here — challenge issued, unused, unexpired, for this
 * operation; UV; counter — is decided inside the transaction (consume.ts), where it cannot race.
 */
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server'
import { z } from 'zod'
import type { ErrorCode } from '../../shared/errors.ts'
import { AuthenticationResponseSchema, RegistrationResponseSchema } from '../../shared/schemas/auth.ts'
import { SignerUserIdSchema } from '../../shared/schemas/signer-rpc.ts'
import type { RelyingParty } from '../config.ts'
import type { Store } from '../store/types.ts'

export type CheckedAssertion =
  | {
      readonly ok: true
      readonly credentialId: string
      readonly challenge: string
      readonly newCounter: number
      readonly userVerified: boolean
    }
  | {
      readonly ok: false
      readonly code: Extract<ErrorCode, `ERR_USER_PROOF_${string}`>
      readonly why: string
    }

export type CheckedRegistration =
  | {
      readonly ok: true
      readonly credentialId: string
      readonly publicKey: string
      readonly counter: number
      readonly userVerified: boolean
      readonly transports: readonly string[]
    }
  | { readonly ok: false; readonly why: string }

/** What the pre-step established about this one request (absent: nothing of that kind was in params). */
export type Checked = { readonly assertion?: CheckedAssertion; readonly registration?: CheckedRegistration }

/** ES256, EdDSA, RS256: what the edge's ceremonies accept too. */
const ALGORITHMS = [-7, -8, -257]
const CHALLENGE = /^[A-Za-z0-9_-]{64}$/
const KNOWN_TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'])

/** Lenient on purpose: only finds the WebAuthn objects; the method's strict schema judges the request. */
const Shape = z.object({
  userId: SignerUserIdSchema,
  params: z.object({
    proof: z.object({ assertion: AuthenticationResponseSchema }).optional(),
    credential: RegistrationResponseSchema.optional(),
  }),
})

type Assertion = z.infer<typeof AuthenticationResponseSchema>
type Registration = z.infer<typeof RegistrationResponseSchema>

const bytes = (b64url: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(b64url, 'base64url'))

async function checkAssertion(
  rp: RelyingParty,
  store: Store,
  userId: string,
  a: Assertion,
): Promise<CheckedAssertion> {
  // Its own short read (MAC-checked); the transaction reads the credential again before it decides.
  const stored = await store.transaction(userId, (tx) => tx.users.credential(userId, a.id))
  if (!stored)
    return { ok: false, code: 'ERR_USER_PROOF_UNKNOWN_CREDENTIAL', why: 'not a credential of this user' }
  let challenge = ''
  try {
    const { userHandle, ...response } = a.response
    const result = await verifyAuthenticationResponse({
      response: {
        id: a.id,
        rawId: a.rawId,
        type: a.type,
        clientExtensionResults: {},
        response: { ...response, ...(userHandle !== undefined ? { userHandle } : {}) },
      },
      expectedChallenge: (c: string) => {
        challenge = c
        return CHALLENGE.test(c)
      },
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      // Counter 0 here: the counter and UV are judged in the transaction, each with its own code.
      credential: { id: stored.id, publicKey: bytes(stored.public_key), counter: 0 },
      requireUserVerification: false,
    })
    if (!result.verified) return { ok: false, code: 'ERR_USER_PROOF_INVALID', why: 'not verified' }
    return {
      ok: true,
      credentialId: stored.id,
      challenge,
      newCounter: result.authenticationInfo.newCounter,
      userVerified: result.authenticationInfo.userVerified,
    }
  } catch (e) {
    return { ok: false, code: 'ERR_USER_PROOF_INVALID', why: e instanceof Error ? e.message : 'unknown' }
  }
}

async function checkRegistration(rp: RelyingParty, r: Registration): Promise<CheckedRegistration> {
  try {
    const { authenticatorData, transports, publicKeyAlgorithm, publicKey, ...rest } = r.response
    const result = await verifyRegistrationResponse({
      response: {
        id: r.id,
        rawId: r.rawId,
        type: r.type,
        clientExtensionResults: {},
        response: {
          ...rest,
          ...(authenticatorData !== undefined ? { authenticatorData } : {}),
          ...(transports !== undefined ? { transports } : {}),
          ...(publicKeyAlgorithm !== undefined ? { publicKeyAlgorithm } : {}),
          ...(publicKey !== undefined ? { publicKey } : {}),
        },
      },
      // A registration's challenge proves nothing to the signer (whoever relays it could have made it):
      // what authorizes a new credential is the user having none yet, an existing passkey's assertion, or
      // a redeemed recovery code. Origin, RP ID, UV and the key itself are checked here.
      expectedChallenge: (c: string) => c.length > 0,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    })
    if (!result.verified) return { ok: false, why: 'not verified' }
    const c = result.registrationInfo.credential
    if (c.id !== r.id) return { ok: false, why: 'credential id differs from the attested one' }
    return {
      ok: true,
      credentialId: c.id,
      publicKey: Buffer.from(c.publicKey).toString('base64url'),
      counter: c.counter,
      userVerified: result.registrationInfo.userVerified,
      transports: [...new Set(r.response.transports ?? [])].filter((t) => KNOWN_TRANSPORTS.has(t)).sort(),
    }
  } catch (e) {
    return { ok: false, why: e instanceof Error ? e.message : 'unknown' }
  }
}

/** Runs the WebAuthn checks a request body asks for; {} when it carries none. */
export async function checkUserProof(rp: RelyingParty, store: Store, body: unknown): Promise<Checked> {
  const parsed = Shape.safeParse(body)
  if (!parsed.success) return {}
  const { userId, params } = parsed.data
  const [assertion, registration] = await Promise.all([
    params.proof ? checkAssertion(rp, store, userId, params.proof.assertion) : undefined,
    params.credential ? checkRegistration(rp, params.credential) : undefined,
  ])
  return { ...(assertion ? { assertion } : {}), ...(registration ? { registration } : {}) }
}
