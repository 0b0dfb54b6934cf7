/**
 * Passkey ceremonies end to end through the real app, driven by the software authenticator: the steps a
 * browser performs, so each test reads as the user journey it checks.
 */

import { env } from 'cloudflare:workers'
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server'
import { expect } from 'vitest'
import { sealedDigest } from '../../../shared/seed-seal.ts'
import { SoftAuthenticator, type Tamper } from '../../support/webauthn/authenticator.ts'
import { json, type testApp } from './app.ts'
import { exportKey, sealedImport } from './seal.ts'

export type Call = ReturnType<typeof testApp>
export type Headers = Record<string, string>

export const RP_ORIGIN = String(Reflect.get(env, 'RP_ORIGIN'))
export const RP_ID = String(Reflect.get(env, 'RP_ID'))

export const randomEmail = () => `u-${crypto.randomUUID()}@test.example`
export const newAuthenticator = () => new SoftAuthenticator(RP_ORIGIN)

export const post = (call: Call, path: string, body?: unknown, headers: Headers = {}) =>
  call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })

export type Options<T> = { challengeId: string; options: T }

export async function registerOptions(call: Call, email: string) {
  const res = await post(call, '/auth/passkey/register/options', { email })
  expect(res.status).toBe(200)
  return json<Options<PublicKeyCredentialCreationOptionsJSON>>(res)
}

export type Registered = {
  email: string
  authenticator: SoftAuthenticator
  userId: string
  token: string
  auth: Headers
  recoveryCodes: string[]
  setCookie: string
}

/** Registers a new user with a fresh authenticator (or the given one) and checks it worked. */
export async function register(
  call: Call,
  opts: { email?: string; authenticator?: SoftAuthenticator } = {},
): Promise<Registered> {
  const email = opts.email ?? randomEmail()
  const authenticator = opts.authenticator ?? newAuthenticator()
  const { challengeId, options } = await registerOptions(call, email)
  const response = await authenticator.create(options)
  const res = await post(call, '/auth/passkey/register/verify', { challengeId, response })
  expect(res.status).toBe(201)
  const body = await json<{ user: { id: string }; sessionToken: string; recoveryCodes: string[] }>(res)
  return {
    email,
    authenticator,
    userId: body.user.id,
    token: body.sessionToken,
    auth: { authorization: `Bearer ${body.sessionToken}` },
    recoveryCodes: body.recoveryCodes,
    setCookie: res.headers.get('set-cookie') ?? '',
  }
}

/** Login options then an assertion (optionally tampered); returns the verify response. */
export async function login(
  call: Call,
  authenticator: SoftAuthenticator,
  opts: { email?: string; tamper?: Tamper } = {},
) {
  const res = await post(
    call,
    '/auth/passkey/login/options',
    opts.email !== undefined ? { email: opts.email } : {},
  )
  expect(res.status).toBe(200)
  const { challengeId, options } = await json<Options<PublicKeyCredentialRequestOptionsJSON>>(res)
  const response = await authenticator.get(options, opts.tamper)
  return post(call, '/auth/passkey/login/verify', { challengeId, response })
}

/** A fresh assertion in this session (POST /auth/reauth/*); returns the verify response. */
export async function reauth(call: Call, authenticator: SoftAuthenticator, auth: Headers, tamper?: Tamper) {
  const res = await post(call, '/auth/reauth/options', undefined, auth)
  expect(res.status).toBe(200)
  const { challengeId, options } = await json<Options<PublicKeyCredentialRequestOptionsJSON>>(res)
  const response = await authenticator.get(options, tamper)
  return post(call, '/auth/reauth/verify', { challengeId, response }, auth)
}

/**
 * Adds a passkey from `authenticator` to the signed-in user; returns the verify response. `existing` (one of
 * the user's passkeys) proves the addition to the signer; without it only a redeemed recovery code can.
 */
export async function addPasskey(
  call: Call,
  authenticator: SoftAuthenticator,
  auth: Headers,
  name?: string,
  existing?: SoftAuthenticator,
) {
  const res = await post(call, '/auth/passkeys/options', undefined, auth)
  expect(res.status).toBe(200)
  const { challengeId, options } = await json<Options<PublicKeyCredentialCreationOptionsJSON>>(res)
  const response = await authenticator.create(options)
  const proof = existing
    ? await proofFor(call, existing, auth, { method: 'passkeys.add', credentialId: response.id })
    : undefined
  return post(
    call,
    '/auth/passkeys/verify',
    { challengeId, response, ...(name ? { name } : {}), ...(proof ? { proof } : {}) },
    auth,
  )
}

export async function errorCode(res: Response): Promise<string> {
  return (await json<{ code: string }>(res)).code
}

/**
 * The web client's step before a gated call: re-authentication options for `operation` (a signer challenge),
 * the assertion, /reauth/verify; returns the `proof` to send along with the call itself.
 */
export async function proofFor(
  call: Call,
  authenticator: SoftAuthenticator,
  auth: Headers,
  operation: Record<string, unknown>,
  tamper?: Tamper,
) {
  const res = await post(call, '/auth/reauth/options', { operation }, auth)
  expect(res.status).toBe(200)
  const { challengeId, options } = await json<Options<PublicKeyCredentialRequestOptionsJSON>>(res)
  const response = await authenticator.get(options, tamper)
  await post(call, '/auth/reauth/verify', { challengeId, response }, auth)
  return { assertion: response }
}

/** POST /api/accounts/import with a proof, as the web client does it. */
export async function importWithProof(call: Call, r: Registered, secret: string, name?: string) {
  // Sealed first, then the proof over exactly what is sent (the sealed payload's digest).
  const sealed = await sealedImport(call, r.auth, secret)
  const operation = {
    method: 'accounts.import',
    ...(name ? { name } : {}),
    sealedDigest: await sealedDigest(sealed),
  }
  const proof = await proofFor(call, r.authenticator, r.auth, operation)
  return post(call, '/api/accounts/import', { sealed, ...(name ? { name } : {}), proof }, r.auth)
}

/** POST /api/accounts/:id/export with a proof over (account, this ephemeral key), as the web client does it. */
export async function exportWithProof(call: Call, r: Registered, accountId: string) {
  const key = await exportKey()
  const operation = { method: 'accounts.export', accountId, recipientPublicKey: key.recipientPublicKey }
  const proof = await proofFor(call, r.authenticator, r.auth, operation)
  const res = await post(
    call,
    `/api/accounts/${accountId}/export`,
    { recipientPublicKey: key.recipientPublicKey, proof },
    r.auth,
  )
  return { res, key }
}

/** DELETE /api/accounts/:id with a proof over (accounts.delete, account), as the web client would do it. */
export async function deleteWithProof(call: Call, r: Registered, accountId: string) {
  const proof = await proofFor(call, r.authenticator, r.auth, { method: 'accounts.delete', accountId })
  return call(`/api/accounts/${accountId}`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json', ...r.auth },
    body: JSON.stringify({ proof }),
  })
}
