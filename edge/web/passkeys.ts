/**
 * Passkey ceremonies against /auth/*: the server makes the options and checks the answers
 * (@simplewebauthn/server); the browser only relays them through @simplewebauthn/browser. That library
 * is a chunk of its own, fetched alongside the server's options (in parallel, so a ceremony waits for
 * neither twice) or earlier by `warmPasskeys` when the user starts on a form: the first screen does not
 * carry it.
 */
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser'
import { api } from './api.ts'

type Ceremony<O> = { readonly challengeId: string; readonly options: O }
export type User = { readonly id: string; readonly email: string }

let lib: Promise<typeof import('@simplewebauthn/browser')> | undefined
const webauthn = () => {
  lib ??= import('@simplewebauthn/browser').catch((e: unknown) => {
    lib = undefined
    throw e
  })
  return lib
}
/** Starts fetching the WebAuthn library (a form got focus): the ceremony then finds it loaded. */
export const warmPasskeys = (): void => void webauthn().catch(() => {})

/** The server's options and the library together. */
const ceremony = <O>(path: string, body?: unknown) =>
  Promise.all([api<Ceremony<O>>('POST', path, body), webauthn()] as const)

export async function signUp(email: string): Promise<{ user: User; recoveryCodes: string[] }> {
  const [{ challengeId, options }, { startRegistration }] =
    await ceremony<PublicKeyCredentialCreationOptionsJSON>('/auth/passkey/register/options', { email })
  const response = await startRegistration({ optionsJSON: options })
  const out = await api<{ user: User; recoveryCodes: string[] }>('POST', '/auth/passkey/register/verify', {
    challengeId,
    response,
  })
  return { user: out.user, recoveryCodes: out.recoveryCodes }
}

/** With an email the server names that user's credentials; without one the passkey is discoverable. */
export async function signIn(email: string): Promise<User> {
  const [{ challengeId, options }, { startAuthentication }] =
    await ceremony<PublicKeyCredentialRequestOptionsJSON>(
      '/auth/passkey/login/options',
      email ? { email } : {},
    )
  const response = await startAuthentication({ optionsJSON: options })
  const out = await api<{ user: User }>('POST', '/auth/passkey/login/verify', { challengeId, response })
  return out.user
}

/** After a recovery code: a new passkey for this device, on the recovered session. */
export async function addPasskey(name: string): Promise<void> {
  const [{ challengeId, options }, { startRegistration }] =
    await ceremony<PublicKeyCredentialCreationOptionsJSON>('/auth/passkeys/options')
  const response = await startRegistration({ optionsJSON: options })
  await api('POST', '/auth/passkeys/verify', { challengeId, response, name })
}

/** What the signer's challenge commits to (shared/schemas/signer-rpc.ts ProofOperationSchema). */
export type Operation =
  | { method: 'accounts.export'; accountId: string; recipientPublicKey: string }
  | { method: 'accounts.import'; name?: string; sealedDigest: string }

/**
 * A fresh assertion bound to this session: the edge requires one before import, export and deletes. With
 * an operation, the challenge is the signer's and the returned proof goes along with that one request, for
 * the signer to check itself.
 */
export async function reauth(operation?: Operation): Promise<{ assertion: unknown }> {
  const [{ challengeId, options }, { startAuthentication }] =
    await ceremony<PublicKeyCredentialRequestOptionsJSON>(
      '/auth/reauth/options',
      operation ? { operation } : undefined,
    )
  const response = await startAuthentication({ optionsJSON: options })
  await api('POST', '/auth/reauth/verify', { challengeId, response })
  return { assertion: response }
}

/** Signs an arbitrary server challenge (an approval): options in, assertion out. */
export async function assert(options: PublicKeyCredentialRequestOptionsJSON) {
  const { startAuthentication } = await webauthn()
  return startAuthentication({ optionsJSON: options })
}

export async function recover(email: string, code: string): Promise<User> {
  const out = await api<{ user: User }>('POST', '/auth/recovery/verify', { email, code })
  return out.user
}

export async function signOut(): Promise<void> {
  await api('POST', '/auth/logout')
}
