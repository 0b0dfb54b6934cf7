/**
 * WebAuthn ceremonies with @simplewebauthn/server. The expected origin and RP ID are exactly the
 * configured ones (a response from any other origin is refused, never mapped to a default), user
 * verification is required, and every failure becomes the same ERR_AUTH_INVALID on the wire with the
 * reason kept in the log detail, so a caller cannot tell an unknown credential from a bad signature.
 *
 * `createAssertionChallenge` / `verifyAssertion` serve login, re-authentication and (issue 6) approvals:
 * a challenge can be bound to a session and commit to a binding such as a transaction hash.
 */

import type {
  AuthenticationResponseJSON,
  RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import type { z } from 'zod'
import { AppError } from '../../shared/errors.ts'
import type { AuthenticationResponseSchema, RegistrationResponseSchema } from '../../shared/schemas/auth.ts'
import type { Config } from '../config.ts'
import { base64url, fromBase64url } from '../lib/crypto.ts'
import {
  type Challenge,
  type ChallengeData,
  type ChallengePurpose,
  createChallenge,
  takeChallenge,
} from './challenges.ts'
import { findPasskey, type NewPasskey, recordUse } from './passkeys.ts'

/**
 * The WebAuthn library is loaded at the first ceremony: evaluating it (and its ASN.1/CBOR dependencies) is a
 * measurable share of the Worker's start-up, and most requests never need it. Cached per isolate.
 */
let webauthn: Promise<typeof import('@simplewebauthn/server')> | undefined
const webauthnLib = () => {
  webauthn ??= import('@simplewebauthn/server')
  return webauthn
}

type RegistrationJSON = z.infer<typeof RegistrationResponseSchema>
type AuthenticationJSON = z.infer<typeof AuthenticationResponseSchema>
type Descriptor = { readonly id: string; readonly transports: readonly string[] }

/** ES256, EdDSA, RS256: what platform authenticators and security keys actually use. */
const ALGORITHMS = [-7, -8, -257]
const TIMEOUT_MS = 300_000

/** The one answer for every failed ceremony; `why` goes to the log only. */
export const invalid = (why: string) => new AppError('ERR_AUTH_INVALID', 'passkey verification failed', why)

/** Bytes on a plain ArrayBuffer, as the library's types ask. */
const bytes = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b)

/** The parsed body as the library's type: optional fields absent rather than undefined. */
function registrationJSON(r: RegistrationJSON): RegistrationResponseJSON {
  const { authenticatorData, transports, publicKeyAlgorithm, publicKey, ...rest } = r.response
  return {
    id: r.id,
    rawId: r.rawId,
    type: r.type,
    clientExtensionResults: {},
    ...(r.authenticatorAttachment ? { authenticatorAttachment: r.authenticatorAttachment } : {}),
    response: {
      ...rest,
      ...(authenticatorData !== undefined ? { authenticatorData } : {}),
      ...(transports !== undefined ? { transports } : {}),
      ...(publicKeyAlgorithm !== undefined ? { publicKeyAlgorithm } : {}),
      ...(publicKey !== undefined ? { publicKey } : {}),
    },
  }
}

function authenticationJSON(r: AuthenticationJSON): AuthenticationResponseJSON {
  const { userHandle, ...rest } = r.response
  return {
    id: r.id,
    rawId: r.rawId,
    type: r.type,
    clientExtensionResults: {},
    ...(r.authenticatorAttachment ? { authenticatorAttachment: r.authenticatorAttachment } : {}),
    response: { ...rest, ...(userHandle !== undefined ? { userHandle } : {}) },
  }
}

const descriptors = (list: readonly Descriptor[]) =>
  list.map((d) => ({ id: d.id, transports: [...d.transports] }))

export async function registrationOptions(
  db: D1Database,
  config: Config,
  opts: {
    purpose: 'register' | 'add-passkey'
    user: { id: string; email: string }
    exclude: readonly Descriptor[]
    sessionId: string | null
    now: number
  },
) {
  const isNew = opts.purpose === 'register'
  const challenge = await createChallenge(db, {
    purpose: opts.purpose,
    userId: isNew ? null : opts.user.id,
    email: opts.user.email,
    data: { sessionId: opts.sessionId, newUserId: isNew ? opts.user.id : null },
    now: opts.now,
  })
  const options = await (await webauthnLib()).generateRegistrationOptions({
    rpName: config.rp.name,
    rpID: config.rp.id,
    userName: opts.user.email,
    userID: bytes(new TextEncoder().encode(opts.user.id)),
    challenge: bytes(fromBase64url(challenge.challenge)),
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: descriptors(opts.exclude),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  })
  return { challengeId: challenge.id, options }
}

/**
 * Verifies an attestation against a taken challenge and returns the passkey to store (not yet stored:
 * the caller writes it together with whatever else the ceremony creates).
 */
export async function verifyRegistration(
  config: Config,
  challenge: Challenge,
  response: RegistrationJSON,
  opts: { userId: string; name: string; now: number },
): Promise<NewPasskey> {
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>
  try {
    result = await (await webauthnLib()).verifyRegistrationResponse({
      response: registrationJSON(response),
      expectedChallenge: challenge.challenge,
      expectedOrigin: config.rp.origin,
      expectedRPID: config.rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    })
  } catch (e) {
    throw invalid(`registration: ${e instanceof Error ? e.message : 'unknown'}`)
  }
  if (!result.verified) throw invalid('registration: not verified')
  const info = result.registrationInfo
  return {
    id: info.credential.id,
    userId: opts.userId,
    publicKey: info.credential.publicKey,
    counter: info.credential.counter,
    transports: response.response.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    name: opts.name,
    now: opts.now,
  }
}

/** Authentication options over `allow` (empty: discoverable), backed by a stored one-time challenge. */
export async function createAssertionChallenge(
  db: D1Database,
  config: Config,
  opts: {
    purpose: Extract<ChallengePurpose, 'login' | 'reauth' | 'approve'>
    userId: string | null
    allow: readonly Descriptor[]
    sessionId?: string | null
    decoy?: boolean
    binding?: string
    payload?: Record<string, string>
    /** The signer's challenge for an operation it will check the assertion for itself. */
    signerChallenge?: string
    now: number
  },
) {
  const challenge = await createChallenge(db, {
    purpose: opts.purpose,
    userId: opts.userId,
    data: { sessionId: opts.sessionId ?? null, decoy: opts.decoy ?? false, payload: opts.payload ?? {} },
    ...(opts.binding !== undefined ? { binding: opts.binding } : {}),
    ...(opts.signerChallenge !== undefined ? { challenge: opts.signerChallenge } : {}),
    now: opts.now,
  })
  const options = await (await webauthnLib()).generateAuthenticationOptions({
    rpID: config.rp.id,
    allowCredentials: descriptors(opts.allow),
    challenge: bytes(fromBase64url(challenge.challenge)),
    timeout: TIMEOUT_MS,
    userVerification: 'required',
  })
  return { challengeId: challenge.id, options }
}

/**
 * Takes the challenge and verifies an assertion against it. The credential must belong to the user the
 * challenge names; a challenge without a user (discoverable login) requires the authenticator's user
 * handle to name the credential's owner. `expect` binds session ceremonies to the caller's session.
 */
export async function verifyAssertion(
  db: D1Database,
  config: Config,
  opts: {
    challengeId: string
    purpose: Extract<ChallengePurpose, 'login' | 'reauth' | 'approve'>
    response: AuthenticationJSON
    expect?: { userId: string; sessionId: string }
    now: number
  },
): Promise<{ userId: string; credentialId: string; data: ChallengeData }> {
  const challenge = await takeChallenge(db, opts.challengeId, opts.purpose, opts.now)
  if (!challenge) throw invalid('challenge missing, used, expired or of another purpose')
  if (challenge.data.decoy) throw invalid('decoy challenge (unknown email)')
  if (opts.expect) {
    if (challenge.userId !== opts.expect.userId || challenge.data.sessionId !== opts.expect.sessionId)
      throw invalid('challenge belongs to another session')
  }
  const passkey = await findPasskey(db, opts.response.id)
  if (!passkey) throw invalid('unknown credential')
  if (challenge.userId !== null && passkey.userId !== challenge.userId)
    throw invalid('credential of another user')
  // A user handle, when given, must name the owner; without a named user (discoverable) it is required.
  const handle = opts.response.response.userHandle
  if (
    handle === undefined
      ? challenge.userId === null
      : handle !== base64url(new TextEncoder().encode(passkey.userId))
  )
    throw invalid('user handle does not name the credential owner')
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>
  try {
    result = await (await webauthnLib()).verifyAuthenticationResponse({
      response: authenticationJSON(opts.response),
      expectedChallenge: challenge.challenge,
      expectedOrigin: config.rp.origin,
      expectedRPID: config.rp.id,
      credential: {
        id: passkey.id,
        publicKey: bytes(passkey.publicKey),
        counter: passkey.counter,
        transports: [...passkey.transports],
      },
      requireUserVerification: true,
    })
  } catch (e) {
    throw invalid(`assertion: ${e instanceof Error ? e.message : 'unknown'}`)
  }
  if (!result.verified) throw invalid('assertion: not verified')
  await recordUse(db, passkey.id, result.authenticationInfo.newCounter, opts.now)
  return { userId: passkey.userId, credentialId: passkey.id, data: challenge.data }
}
