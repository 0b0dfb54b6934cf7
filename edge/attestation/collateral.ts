/**
 * Intel collateral (TCB info, QE identity, CRLs) per platform, cached per isolate.
 *
 * Keyed by the quote's PCK identity (FMSPC and the SHA-256 of its PCK leaf certificate), never by PCCS URL or
 * quote length: a signer that moves to another host (another FMSPC or PCK) gets that host's collateral at
 * once, and one platform's collateral never verifies another's quote. An entry is refreshed an hour before
 * the earliest `nextUpdate` it carries (and at least hourly, so a TCB recovery Intel publishes early is
 * seen); a collateral that is for another FMSPC, or already past its `nextUpdate`, is refused and not kept.
 *
 * Threats stopped: stale collateral that keeps a revoked or out-of-date platform trusted; collateral for the
 * wrong platform (a PCCS answering for another FMSPC); a cache poisoned by one quote serving another.
 */
import type { Collateral } from '@phala/dcap-qvl'
import { err, ok, type Result } from '../../shared/result.ts'
import type { QuoteProblem } from './quote.ts'

export const COLLATERAL_MAX_AGE_MS = 60 * 60_000
export const COLLATERAL_REFRESH_MARGIN_MS = 60 * 60_000
const MAX_ENTRIES = 64

export type PlatformId = { readonly fmspc: string; readonly pckCertSha256: string }

export type CollateralSource = {
  /** FMSPC and PCK certificate hash of a quote (dcap.ts; throws on a malformed quote). */
  readonly identify: (quote: Uint8Array) => PlatformId | Promise<PlatformId>
  readonly fetch: (quote: Uint8Array) => Promise<Collateral>
}

type Entry = { readonly collateral: Collateral; readonly refreshAt: number }

const problem = (detail: string): QuoteProblem => ({ check: 'collateral', detail })

function nextUpdateOf(json: string, field: 'tcbInfo' | 'enclaveIdentity'): number | undefined {
  try {
    const v = JSON.parse(json) as Record<string, unknown>
    // dcap-qvl carries the inner object; a PCCS answer may still wrap it ({tcbInfo: …, signature}).
    const inner = (typeof v[field] === 'object' && v[field] !== null ? v[field] : v) as Record<
      string,
      unknown
    >
    const t = typeof inner.nextUpdate === 'string' ? Date.parse(inner.nextUpdate) : Number.NaN
    return Number.isFinite(t) ? t : undefined
  } catch {
    return undefined
  }
}

function fmspcOf(tcbInfo: string): string | undefined {
  try {
    const v = JSON.parse(tcbInfo) as Record<string, unknown>
    const inner = (typeof v.tcbInfo === 'object' && v.tcbInfo !== null ? v.tcbInfo : v) as Record<
      string,
      unknown
    >
    return typeof inner.fmspc === 'string' ? inner.fmspc.toUpperCase() : undefined
  } catch {
    return undefined
  }
}

/** Checks one collateral against the platform it is for; returns when it must be fetched again. */
export function checkCollateral(c: Collateral, id: PlatformId, now: number): Result<number, QuoteProblem> {
  const fmspc = fmspcOf(c.tcb_info)
  if (fmspc === undefined) return err(problem('TCB info is unreadable'))
  if (fmspc !== id.fmspc.toUpperCase())
    return err(problem(`TCB info is for FMSPC ${fmspc}, the quote's is ${id.fmspc}`))
  const tcbNext = nextUpdateOf(c.tcb_info, 'tcbInfo')
  const qeNext = nextUpdateOf(c.qe_identity, 'enclaveIdentity')
  if (tcbNext === undefined || qeNext === undefined) return err(problem('collateral has no nextUpdate'))
  if (tcbNext <= now) return err(problem('TCB info expired'))
  if (qeNext <= now) return err(problem('QE identity expired'))
  const refreshAt = Math.min(
    now + COLLATERAL_MAX_AGE_MS,
    Math.min(tcbNext, qeNext) - COLLATERAL_REFRESH_MARGIN_MS,
  )
  return ok(Math.max(refreshAt, now))
}

/** Thrown through the `collateral` seam of verify.ts with the check that failed (quote or collateral). */
export class CollateralProblem extends Error {
  readonly problem: QuoteProblem
  constructor(problem: QuoteProblem) {
    super(problem.detail)
    this.problem = problem
  }
}

export class CollateralCache {
  readonly #entries = new Map<string, Entry>()

  async get(
    quote: Uint8Array,
    source: CollateralSource,
    now: number,
  ): Promise<Result<Collateral, QuoteProblem>> {
    let id: PlatformId
    try {
      id = await source.identify(quote)
    } catch (e) {
      return err({ check: 'quote', detail: e instanceof Error ? e.message : 'malformed quote' })
    }
    const key = `${id.fmspc.toUpperCase()}|${id.pckCertSha256}`
    const hit = this.#entries.get(key)
    if (hit && hit.refreshAt > now) return ok(hit.collateral)
    let collateral: Collateral
    try {
      collateral = await source.fetch(quote)
    } catch (e) {
      // A PCCS outage does not extend an entry past its refresh time: verification fails closed.
      return err(problem(`collateral unavailable: ${e instanceof Error ? e.message : 'fetch failed'}`))
    }
    const checked = checkCollateral(collateral, id, now)
    if (!checked.ok) return checked
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear()
    this.#entries.set(key, { collateral, refreshAt: checked.value })
    return ok(collateral)
  }

  get size(): number {
    return this.#entries.size
  }
}
