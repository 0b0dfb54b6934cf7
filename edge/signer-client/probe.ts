/** Is the signer there? A short mTLS request to its health method, bounded in time. */
import type { Config } from '../config.ts'
import type { Env } from '../env.ts'

export type SignerProbe = { readonly reachable: boolean; readonly latencyMs: number | undefined }

export async function probeSigner(env: Env, config: Config, timeoutMs = 2_000): Promise<SignerProbe> {
  const started = Date.now()
  try {
    const res = await env.SIGNER.fetch(`${config.signerUrl}/v1/health`, {
      method: 'GET',
      signal: AbortSignal.timeout(timeoutMs),
    })
    const body: unknown = await res.json().catch(() => undefined)
    const ok = res.ok && typeof body === 'object' && body !== null && (body as { ok?: unknown }).ok === true
    return { reachable: ok, latencyMs: ok ? Date.now() - started : undefined }
  } catch {
    return { reachable: false, latencyMs: undefined }
  }
}
