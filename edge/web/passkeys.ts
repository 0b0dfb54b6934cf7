/**
 * Passkey ceremonies against /auth/*: the server makes the options and checks the answers
 * (@simplewebauthn/server); the browser only relays them through @simplewebauthn/browser.
 */
import {
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser'
import { api } from './api.ts'

type Ceremony<O> = { readonly challengeId: string; readonly options: O }
export type User = { readonly id: string; readonly email: string }

export async function signUp(email: string): Promise<{ user: User; recoveryCodes: string[] }> {
  const { challengeId, options } = await api<Ceremony<PublicKeyCredentialCreationOptionsJSON>>(
    'POST',
    '/auth/passkey/register/options',
    { email },
  )
  const response = await startRegistration({ optionsJSON: options })
  const out = await api<{ user: User; recoveryCodes: string[] }>('POST', '/auth/passkey/register/verify', {
    challengeId,
    response,
  })
  return { user: out.user, recoveryCodes: out.recoveryCodes }
}

/** With an email the server names that user's credentials; without one the passkey is discoverable. */
export async function signIn(email: string): Promise<User> {
  const { challengeId, options } = await api<Ceremony<PublicKeyCredentialRequestOptionsJSON>>(
    'POST',
    '/auth/passkey/login/options',
    email ? { email } : {},
  )
  const response = await startAuthentication({ optionsJSON: options })
  const out = await api<{ user: User }>('POST', '/auth/passkey/login/verify', { challengeId, response })
  return out.user
}

/** A fresh assertion bound to this session: the edge requires one before import, export and deletes. */
export async function reauth(): Promise<void> {
  const { challengeId, options } = await api<Ceremony<PublicKeyCredentialRequestOptionsJSON>>(
    'POST',
    '/auth/reauth/options',
  )
  const response = await startAuthentication({ optionsJSON: options })
  await api('POST', '/auth/reauth/verify', { challengeId, response })
}

/** Signs an arbitrary server challenge (an approval): options in, assertion out. */
export async function assert(options: PublicKeyCredentialRequestOptionsJSON) {
  return startAuthentication({ optionsJSON: options })
}

export async function recover(email: string, code: string): Promise<User> {
  const out = await api<{ user: User }>('POST', '/auth/recovery/verify', { email, code })
  return out.user
}

export async function signOut(): Promise<void> {
  await api('POST', '/auth/logout')
}
