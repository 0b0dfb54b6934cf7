/**
 * Per-isolate trust in the signer: fetch GET /v1/attestation over the mTLS binding, verify it (quote +
 * collateral from the configured PCCS, cached per platform in collateral.ts + pins + report-data binding), and
 * keep the verified response key for TRUST_TTL_MS. A failure, whatever the check, is remembered only for
 * FAILURE_TTL_MS (so a bad signer is not re-verified on every request, and a fixed one is trusted again
 * soon); its reason goes to the log and the authenticated /health view. A response that does not verify drops the trust at once.
 * Each replica (SIGNER_URLS) is attested on its own, under the same pins (app id, compose hash, OS image, key
 * provider: never the instance id, which differs per CVM), and its trust is kept under its URL.
 */
import type { Collateral } from '@phala/dcap-qvl'
import { AttestationResponseSchema, keyIdFor } from '../../shared/attestation.ts'
import { AppError } from '../../shared/errors.ts'
import type { Config } from '../config.ts'
import { CollateralCache, CollateralProblem } from './collateral.ts'
import type { QuoteVerifierFn } from './quote.ts'
import { importResponseKey, type ResponseKey } from './response-signature.ts'
import { type TrustedSigner, verifyAttestation } from './verify.ts'

export const TRUST_TTL_MS = 10 * 60_000
export const FAILURE_TTL_MS = 10_000

export type Trust = TrustedSigner & {
  readonly key: ResponseKey
  readonly keyId: string
  readonly expiresAt: number
}

export type TrustState =
  | { readonly trusted: true; readonly trust: Trust; readonly checkedAt: number }
  | {
      readonly trusted: false
      readonly reason: string
      readonly checkedAt: number
      readonly expiresAt: number
    }

export type TrustDeps = {
  readonly now?: () => number
  readonly verifier?: QuoteVerifierFn
  readonly fetchCollateral?: (pccsUrl: string, quote: Uint8Array) => Promise<Collateral>
  /** The isolate's cache unless given (a test that must see a fresh fetch). */
  readonly collaterals?: CollateralCache
}

/** Per isolate: the replica's URL is the key. */
const states = new Map<string, TrustState>()
const inflight = new Map<string, Promise<TrustState>>()
const isolateCollaterals = new CollateralCache()

/** What this module needs of the Worker's bindings (edge/env.ts's Env has it). */
export type SignerBinding = {
  readonly SIGNER: { fetch(url: string, init?: { signal?: AbortSignal }): Promise<Response> }
}
let intel: QuoteVerifierFn | undefined

async function intelVerifier(): Promise<QuoteVerifierFn> {
  intel ??= (await import('./dcap.ts')).dcapVerifier()
  return intel
}

/** In insecure-dev there is no quote to check; reaching this would be a bug, so it refuses. */
const refuseQuote: QuoteVerifierFn = () => {
  throw new Error('no quote verification outside tdx mode')
}

export function currentTrust(url: string): TrustState | undefined {
  return states.get(url)
}

/** Forget the trust (a response failed to verify, a rolled-back head, or the signer's key id changed). */
export function dropTrust(url: string, reason: string, now = Date.now()): void {
  states.set(url, { trusted: false, reason, checkedAt: now, expiresAt: now + FAILURE_TTL_MS })
}

/** Forget without blame (the signer restarted with a new key): the next call verifies again at once. */
export function forgetTrust(url: string): void {
  states.delete(url)
}

async function collateralFor(
  pccsUrl: string,
  quote: Uint8Array,
  deps: TrustDeps,
  now: number,
): Promise<Collateral> {
  const dcap = await import('./dcap.ts')
  const r = await (deps.collaterals ?? isolateCollaterals).get(
    quote,
    {
      identify: dcap.pckIdentity,
      fetch: (q) => (deps.fetchCollateral ?? dcap.fetchCollateral)(pccsUrl, q),
    },
    now,
  )
  if (!r.ok) throw new CollateralProblem(r.error)
  return r.value
}

async function attest(env: SignerBinding, config: Config, url: string, deps: TrustDeps): Promise<TrustState> {
  const now = (deps.now ?? Date.now)()
  const failed = (reason: string): TrustState => ({
    trusted: false,
    reason,
    checkedAt: now,
    expiresAt: now + FAILURE_TTL_MS,
  })
  let json: unknown
  try {
    const res = await env.SIGNER.fetch(`${url}/v1/attestation`, {
      signal: AbortSignal.timeout(5_000),
    })
    json = await res.json()
  } catch (e) {
    return failed(`attestation unavailable: ${e instanceof Error ? e.name : 'fetch failed'}`)
  }
  const parsed = AttestationResponseSchema.safeParse(json)
  if (!parsed.success) return failed('attestation document is malformed')
  const a = config.attestation
  // Only a tdx document carries a quote; the verifier (and its library) is loaded the first time one does.
  const verifier = deps.verifier ?? (a.mode === 'tdx' ? await intelVerifier() : refuseQuote)
  const result = await verifyAttestation(
    parsed.data.result,
    {
      mode: a.mode,
      allowedTcbStatuses: a.allowedTcbStatuses,
      deniedAdvisoryIds: a.deniedAdvisoryIds,
      pins: a.pins,
    },
    {
      verifier,
      collateral: (quote) => collateralFor(a.pccsUrl, quote, deps, now),
      nowSecs: Math.floor(now / 1000),
    },
  )
  if (!result.ok) return failed(`${result.error.check}: ${result.error.detail}`)
  const trust: Trust = {
    ...result.value,
    key: await importResponseKey(result.value.publicKey),
    keyId: keyIdFor(result.value.publicKey),
    expiresAt: now + TRUST_TTL_MS,
  }
  return { trusted: true, trust, checkedAt: now }
}

/**
 * The verified replica at `url` (the first configured one unless named), or ERR_SIGNER_UNTRUSTED (→ 503)
 * with the reason kept for logs and /health.
 */
export async function ensureTrusted(
  env: SignerBinding,
  config: Config,
  deps: TrustDeps = {},
  url: string = config.signerUrls[0],
): Promise<Trust> {
  const now = (deps.now ?? Date.now)()
  let state = states.get(url)
  const fresh = state && (state.trusted ? state.trust.expiresAt > now : state.expiresAt > now)
  if (!state || !fresh) {
    // One verification per isolate at a time; concurrent requests wait for it.
    let pending = inflight.get(url)
    if (!pending) {
      pending = attest(env, config, url, deps).finally(() => inflight.delete(url))
      inflight.set(url, pending)
    }
    state = await pending
    // The reason goes to the log once per verification (and to the authenticated /health view), never to
    // an anonymous caller.
    if (!state.trusted && states.get(url) !== state) {
      console.log(
        JSON.stringify({ level: 'warn', code: 'ERR_SIGNER_UNTRUSTED', replica: url, detail: state.reason }),
      )
    }
    states.set(url, state)
  }
  if (state.trusted) return state.trust
  throw new AppError('ERR_SIGNER_UNTRUSTED', 'the signer could not be verified', state.reason)
}
