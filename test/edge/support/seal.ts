/**
 * The browser's half of sealed seeds, for workerd tests: read the signer's HPKE key from GET /api/attestation
 * (as edge/web/seal.ts does), seal an import to it for the signed-in user, make an ephemeral key for an export
 * and open what comes back. Same library and formats as the page (shared/seed-seal.ts).
 */
import { fromHex } from '../../../shared/attestation.ts'
import {
  openWith,
  type SealedSeed,
  type SealKeyPair,
  sealInfo,
  sealSuite,
  sealTo,
  toBase64url,
} from '../../../shared/seed-seal.ts'

type Call = (path: string, init?: RequestInit) => Promise<Response>

async function userIdOf(call: Call, auth: Record<string, string>): Promise<string> {
  const res = await call('/auth/session', { headers: auth })
  return ((await res.json()) as { user: { id: string } }).user.id
}

export async function signerSealingKey(call: Call): Promise<Uint8Array> {
  const doc = (await (await call('/api/attestation')).json()) as { hpkePublicKey: string }
  return fromHex(doc.hpkePublicKey) ?? new Uint8Array(0)
}

/** `{sealed}` for POST /api/accounts/import, as the page sends it. */
export async function sealedImport(
  call: Call,
  auth: Record<string, string>,
  secret: string,
): Promise<SealedSeed> {
  const [key, userId] = await Promise.all([signerSealingKey(call), userIdOf(call, auth)])
  return sealTo(key, new TextEncoder().encode(secret), sealInfo('accounts.import', userId, null))
}

export type ExportKey = { readonly pair: SealKeyPair; readonly recipientPublicKey: string }

export async function exportKey(): Promise<ExportKey> {
  const suite = sealSuite()
  const pair = await suite.kem.generateKeyPair()
  return {
    pair,
    recipientPublicKey: toBase64url(new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey))),
  }
}

/** The seed an export answered, opened with the ephemeral key; undefined if it does not open. */
export async function openExport(
  key: ExportKey,
  sealed: SealedSeed,
  userId: string,
  accountId: string,
): Promise<string | undefined> {
  const opened = await openWith(key.pair, sealed, sealInfo('accounts.export', userId, accountId))
  return opened && new TextDecoder().decode(opened)
}
