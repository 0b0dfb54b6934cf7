/**
 * A software WebAuthn authenticator for the tests: P-256 keys in WebCrypto, real CBOR attestation objects
 * (fmt "none"), real authenticator data and ECDSA signatures (DER), discoverable credentials that return
 * their user handle, and a signature counter. What a browser adds (clientDataJSON with type, challenge and
 * origin) it builds too. Every field can be tampered with, so tests can show each check refusing.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { isoCBOR } from '@simplewebauthn/server/helpers'
import { base64url, fromBase64url } from '../../../edge/lib/crypto.ts'

type Credential = {
  readonly id: Uint8Array
  readonly keys: KeyPair
  readonly rpId: string
  readonly userHandle: Uint8Array
  counter: number
}

/** Deviations from an honest authenticator and browser. */
export type Tamper = {
  readonly origin?: string
  readonly rpId?: string
  readonly type?: string
  readonly challenge?: string
  readonly userVerified?: boolean
  readonly userPresent?: boolean
  /** Counter to report instead of the next one (an assertion only). */
  readonly counter?: number
  readonly flipSignature?: boolean
  /** Sign with a key that is not the registered one. */
  readonly wrongKey?: boolean
  /** Override (or with null, drop) the user handle of an assertion. */
  readonly userHandle?: string | null
  /** Use this credential although the options did not ask for it. */
  readonly credentialId?: string
}

/** WebCrypto's key pair, as both the Node and the workerd type libraries spell what generateKey returns. */
type KeyPair = { readonly publicKey: WebKey; readonly privateKey: WebKey }
type WebKey = Parameters<typeof crypto.subtle.exportKey>[1]

const enc = new TextEncoder()
const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const
const sha256 = async (b: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', b))

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const u32 = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])

/** WebCrypto's ECDSA signature is r‖s; WebAuthn carries ASN.1 DER. */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0
    while (i < b.length - 1 && b[i] === 0) i++
    const trimmed = b.slice(i)
    const body = (trimmed[0] ?? 0) & 0x80 ? concat(new Uint8Array([0]), trimmed) : trimmed
    return concat(new Uint8Array([0x02, body.length]), body)
  }
  const seq = concat(int(raw.slice(0, 32)), int(raw.slice(32)))
  return concat(new Uint8Array([0x30, seq.length]), seq)
}

const newKeys = () =>
  crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]) as Promise<KeyPair>

export class SoftAuthenticator {
  readonly credentials: Credential[] = []
  readonly origin: string
  readonly opts: { readonly backedUp?: boolean }
  constructor(origin: string, opts: { backedUp?: boolean } = {}) {
    this.origin = origin
    this.opts = opts
  }

  private flags(t: Tamper, extra: number): number {
    const backup = this.opts.backedUp === false ? 0 : FLAG.BE | FLAG.BS
    return (t.userPresent === false ? 0 : FLAG.UP) | (t.userVerified === false ? 0 : FLAG.UV) | backup | extra
  }

  private clientData(type: string, challenge: string, t: Tamper): Uint8Array {
    return enc.encode(
      JSON.stringify({
        type: t.type ?? type,
        challenge: t.challenge ?? challenge,
        origin: t.origin ?? this.origin,
        crossOrigin: false,
      }),
    )
  }

  /** navigator.credentials.create(): a new discoverable P-256 credential. */
  async create(
    options: PublicKeyCredentialCreationOptionsJSON,
    t: Tamper = {},
  ): Promise<RegistrationResponseJSON> {
    const rpId = options.rp.id ?? new URL(this.origin).hostname
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id))
    if (this.credentials.some((c) => excluded.has(base64url(c.id)) && c.rpId === rpId))
      throw new Error('InvalidStateError: a credential of this authenticator is excluded')
    const cred: Credential = {
      id: crypto.getRandomValues(new Uint8Array(32)),
      keys: await newKeys(),
      rpId,
      userHandle: fromBase64url(options.user.id),
      counter: 0,
    }
    this.credentials.push(cred)
    const raw = new Uint8Array((await crypto.subtle.exportKey('raw', cred.keys.publicKey)) as ArrayBuffer)
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, raw.slice(1, 33)],
        [-3, raw.slice(33, 65)],
      ]),
    )
    const authData = concat(
      await sha256(enc.encode(t.rpId ?? rpId)),
      new Uint8Array([this.flags(t, FLAG.AT)]),
      u32(0),
      new Uint8Array(16), // AAGUID: none
      new Uint8Array([cred.id.length >> 8, cred.id.length & 255]),
      cred.id,
      cose,
    )
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, never> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, never>()],
        ['authData', authData],
      ]),
    )
    const id = base64url(cred.id)
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64url(this.clientData('webauthn.create', options.challenge, t)),
        attestationObject: base64url(attestationObject),
        transports: ['internal', 'hybrid'],
      },
    }
  }

  /** navigator.credentials.get(): signs with the first allowed credential, or any for this RP (discoverable). */
  async get(
    options: PublicKeyCredentialRequestOptionsJSON,
    t: Tamper = {},
  ): Promise<AuthenticationResponseJSON> {
    const rpId = options.rpId ?? new URL(this.origin).hostname
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id))
    const cred = this.credentials.find((c) =>
      t.credentialId !== undefined
        ? base64url(c.id) === t.credentialId
        : c.rpId === rpId && (allowed.size === 0 || allowed.has(base64url(c.id))),
    )
    if (!cred) throw new Error('NotAllowedError: no matching credential')
    cred.counter += 1
    const authData = concat(
      await sha256(enc.encode(t.rpId ?? rpId)),
      new Uint8Array([this.flags(t, 0)]),
      u32(t.counter ?? cred.counter),
    )
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, t)
    const key = t.wrongKey ? (await newKeys()).privateKey : cred.keys.privateKey
    const raw = new Uint8Array(
      await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        key,
        concat(authData, await sha256(clientDataJSON)),
      ),
    )
    const signature = derSignature(raw)
    if (t.flipSignature) signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01
    const id = base64url(cred.id)
    const userHandle = t.userHandle === undefined ? base64url(cred.userHandle) : t.userHandle
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64url(clientDataJSON),
        authenticatorData: base64url(authData),
        signature: base64url(signature),
        ...(userHandle !== null ? { userHandle } : {}),
      },
    }
  }
}
