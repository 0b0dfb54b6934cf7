/**
 * The two ways `npm run bench:signer` drives tx.sign: over mTLS with keep-alive (autocannon, client
 * certificate through its tlsOptions) against one or several signer processes, and in process (the
 * dispatcher over the same engine, no network) at the same concurrency: the floor the network path is
 * compared with. Every request carries its own requestId and a fresh issuedAt, or it would be a replay.
 */
import { Agent, request } from 'node:https'
// @ts-expect-error autocannon ships no types; only its documented programmatic API is used.
import autocannon from 'autocannon'

export type Measured = {
  readonly perSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly errors: number
}

export type ClientTls = {
  readonly ca: Buffer
  readonly cert: Buffer
  readonly key: Buffer
  readonly servername: string
}

type CannonResult = {
  requests: { average: number }
  latency: { p50: number; p99: number }
  non2xx: number
  errors: number
  timeouts: number
}

const pct = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0

/**
 * `connections` spread evenly over `ports` (one autocannon per signer, all at once). Several signers: req/s
 * is the sum; p50/p99 the worst of them (autocannon reports percentiles, which do not add).
 */
export async function overMtls(
  ports: readonly number[],
  connections: number,
  durationS: number,
  tls: ClientTls,
  body: () => string,
): Promise<Measured> {
  // Fewer connections than signers: only as many signers as connections (c=1 is one connection).
  const used = ports.slice(0, Math.min(ports.length, connections))
  const share = Math.floor(connections / used.length)
  const results: CannonResult[] = await Promise.all(
    used.map((port) =>
      autocannon({
        url: `https://127.0.0.1:${port}/v1/tx.sign`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        connections: share,
        pipelining: 1,
        duration: durationS,
        tlsOptions: tls,
        requests: [
          { method: 'POST', setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }) },
        ],
      }),
    ),
  )
  return {
    perSec: results.reduce((s, r) => s + r.requests.average, 0),
    p50Ms: Math.max(...results.map((r) => r.latency.p50)),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((s, r) => s + r.non2xx + r.errors + r.timeouts, 0),
  }
}

/**
 * `concurrency` workers each awaiting `call` in turn for `durationS` (after a short warm-up), in this
 * process: what the signer does per request without TLS, HTTP or a second process.
 */
export async function inProcess(
  concurrency: number,
  durationS: number,
  call: () => Promise<boolean>,
): Promise<Measured> {
  for (let i = 0; i < 100; i++) await call()
  const lat: number[] = []
  let errors = 0
  const deadline = performance.now() + durationS * 1000
  const t0 = performance.now()
  const worker = async () => {
    while (performance.now() < deadline) {
      const s = performance.now()
      const ok = await call()
      lat.push(performance.now() - s)
      if (!ok) errors++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const secs = (performance.now() - t0) / 1000
  lat.sort((a, b) => a - b)
  return { perSec: lat.length / secs, p50Ms: pct(lat, 0.5), p99Ms: pct(lat, 0.99), errors }
}

/** One tx.sign over a fresh mTLS connection: its wall time in ms and its HTTP status. */
export function signOnce(
  port: number,
  json: string,
  tls: ClientTls,
): Promise<{ ms: number; status: number }> {
  const agent = new Agent(tls)
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/tx.sign', method: 'POST', agent }, (res) => {
      res.resume()
      res.on('end', () => {
        agent.destroy()
        resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 })
      })
    })
    req.setHeader('content-type', 'application/json')
    req.on('error', reject)
    req.end(json)
  })
}
