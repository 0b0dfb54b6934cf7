/**
 * Browser side of sealed seeds (shared/seed-seal.ts): a seed typed here leaves the page only HPKE-sealed to
 * the signer's attested key, and an exported seed arrives sealed to a key made here for that one export and
 * then forgotten. The edge relays ciphertext.
 *
 * Before sealing, the page checks the key against the attestation document the edge serves: the quote's
 * REPORTDATA must equal SHA-512(label ‖ response key ‖ HPKE key), so an edge that substitutes a key of its own
 * must also forge a quote. The page does not verify the quote's Intel signature chain (the edge does, with
 * dcap-qvl); an edge that serves this page could serve another page, which is what docs/threat-model.md says.
 * A document without a quote (insecure-dev) is accepted only on a loopback origin.
 */
import { fromHex, reportDataFor, toHex } from '../../shared/report-data.ts'
import {
  openWith,
  type SealedSeed,
  sealInfo,
  sealSuite,
  sealTo,
  toBase64url,
} from '../../shared/seed-seal.ts'
import { api } from './api.ts'

export class SealError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SealError'
  }
}

const HEADER = 48
/** REPORTDATA inside the TD report body (TDREPORT10 and the TD15 body alike). */
const REPORT_DATA_AT = 520
/** v5 quotes put a 2-byte body type and a 4-byte body size before the body. */
const V5_BODY_PREFIX = 6

/** The 64 REPORTDATA bytes of a TDX quote (v4 or v5), or undefined for anything else. */
export function quoteReportData(quote: Uint8Array): Uint8Array | undefined {
  const version = (quote[0] ?? 0) | ((quote[1] ?? 0) << 8)
  const at = HEADER + (version === 5 ? V5_BODY_PREFIX : 0) + REPORT_DATA_AT
  if ((version !== 4 && version !== 5) || quote.length < at + 64) return undefined
  return quote.slice(at, at + 64)
}

// Checked by hand, not with zod: the schemas would triple this page's bundle (shared/schemas stay server-side).
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const hexKey = (v: unknown): Uint8Array | undefined =>
  typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? fromHex(v) : undefined
const B64URL = (n: number) => new RegExp(`^[A-Za-z0-9_-]{${n}}$`)
const sealedOf = (v: unknown): SealedSeed | undefined =>
  isRecord(v) &&
  Object.keys(v).length === 2 &&
  typeof v.enc === 'string' &&
  B64URL(43).test(v.enc) &&
  typeof v.ciphertext === 'string' &&
  B64URL(96).test(v.ciphertext)
    ? { enc: v.enc, ciphertext: v.ciphertext }
    : undefined

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])
/** The page's host; '' outside a page (never loopback, so an unattested key is refused there). */
const pageHostname = (): string =>
  (globalThis as { location?: { hostname?: string } }).location?.hostname ?? ''

/** The signer's HPKE key, once the document's report data is seen to bind it (and the response key). */
export async function attestedSealingKey(hostname = pageHostname()): Promise<Uint8Array> {
  const doc = await api<unknown>('GET', '/api/attestation')
  if (!isRecord(doc)) throw new SealError('the signer attestation document is malformed')
  const pub = hexKey(doc.publicKey)
  const hpke = hexKey(doc.hpkePublicKey)
  if (!pub || !hpke) throw new SealError('the signer attestation document is malformed')
  const quote = typeof doc.quote === 'string' ? fromHex(doc.quote) : undefined
  if (doc.mode !== 'tdx' || !quote) {
    // No quote binds the key: fine on a laptop, never on a deployed origin.
    if (!LOOPBACK.has(hostname))
      throw new SealError('the signer is not attested; refusing to seal a seed to it')
    return hpke
  }
  const reportData = quoteReportData(quote)
  if (!reportData || toHex(reportData) !== toHex(reportDataFor(pub, hpke))) {
    throw new SealError('the signer key is not the one its attestation binds; refusing to seal a seed to it')
  }
  return hpke
}

const userIdOf = async (): Promise<string> =>
  (await api<{ user: { id: string } }>('GET', '/auth/session')).user.id

/** The import body's `sealed`: the seed sealed to the attested signer for this user. */
export async function sealForImport(secret: string): Promise<SealedSeed> {
  const [key, userId] = await Promise.all([attestedSealingKey(), userIdOf()])
  const bytes = new TextEncoder().encode(secret)
  try {
    return await sealTo(key, bytes, sealInfo('accounts.import', userId, null))
  } finally {
    bytes.fill(0)
  }
}

/**
 * Exports one account: a fresh key pair for this call only; the seed is opened here and nowhere else.
 * `prove` gets the user's passkey proof over (account, this recipient key): the signer seals only to the key
 * the user's proof names, so an edge that swaps in its own key is refused.
 */
export async function exportSealed(
  accountId: string,
  prove: (recipientPublicKey: string) => Promise<{ assertion: unknown }>,
): Promise<string> {
  const suite = sealSuite()
  const [mine, userId] = await Promise.all([suite.kem.generateKeyPair(), userIdOf()])
  const recipientPublicKey = toBase64url(new Uint8Array(await suite.kem.serializePublicKey(mine.publicKey)))
  const proof = await prove(recipientPublicKey)
  const out = await api<{ accountId: string; sealed: unknown }>(
    'POST',
    `/api/accounts/${encodeURIComponent(accountId)}/export`,
    { recipientPublicKey, proof },
  )
  const sealed = sealedOf(out.sealed)
  const opened =
    sealed && out.accountId === accountId
      ? await openWith(mine, sealed, sealInfo('accounts.export', userId, accountId))
      : undefined
  if (!opened)
    throw new SealError('the exported seed did not open: it was not sealed for you and this account')
  return new TextDecoder().decode(opened)
}
