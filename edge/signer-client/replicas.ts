/**
 * Which signer replica to ask, per isolate. A replica that failed on connection (or answered 5xx while
 * draining or without its database) is marked down for DOWN_TTL_MS and asked last; the others keep the
 * configured order (SIGNER_URLS: the first is preferred). /health probes every replica and refreshes the
 * marks. Nothing here decides trust: each replica is attested and its answers verified on their own
 * (edge/attestation/trust.ts), and a replica that failed a check is never skipped past silently.
 */
import type { Config } from '../config.ts'
import type { Env } from '../env.ts'

/** Long enough that a burst does not knock on a dead replica per request, short enough to notice it back. */
export const DOWN_TTL_MS = 5_000

const downUntil = new Map<string, number>()

export function markDown(url: string, now: number): void {
  downUntil.set(url, now + DOWN_TTL_MS)
}

export function markUp(url: string): void {
  downUntil.delete(url)
}

/** Replicas believed up, in configured order, then those marked down (soonest back first). */
export function replicaOrder(urls: readonly string[], now: number): string[] {
  const until = (u: string) => downUntil.get(u) ?? 0
  const up = urls.filter((u) => until(u) <= now)
  const down = urls.filter((u) => until(u) > now).sort((a, b) => until(a) - until(b))
  return [...up, ...down]
}

/** Is this replica there? A short mTLS request to its health method, bounded in time. */
export async function probeReplica(env: Env, url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await env.SIGNER.fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(timeoutMs) })
    const body: unknown = await res.json().catch(() => undefined)
    return res.ok && typeof body === 'object' && body !== null && (body as { ok?: unknown }).ok === true
  } catch {
    return false
  }
}

/** Probes every replica at once and refreshes the marks. */
export async function probeReplicas(
  env: Env,
  config: Config,
  now = Date.now(),
): Promise<{ readonly url: string; readonly reachable: boolean }[]> {
  return Promise.all(
    config.signerUrls.map(async (url) => {
      const reachable = await probeReplica(env, url)
      if (reachable) markUp(url)
      else markDown(url, now)
      return { url, reachable }
    }),
  )
}
