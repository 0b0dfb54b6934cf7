/**
 * A raw HTTP client for the reliability suite. node:http rather than fetch: it sends bodies on GET, odd
 * methods and arbitrary header bytes, which is what fuzzing needs. Every request has a hard deadline, so a
 * hung server shows up as a failed row, never as a hung test. Targets are 127.0.0.1 only.
 */
import { Agent, request } from 'node:http'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'

export type Sent = {
  readonly method: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string | string[]>>
  readonly body?: Uint8Array | string
}

export type Received = {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: string
  readonly ms: number
  /** Set when no HTTP answer came (connection refused, reset, deadline). */
  readonly error?: string
}

const LOOPBACK = /^http:\/\/127\.0\.0\.1:[0-9]{1,5}$/

export function createHttp(
  base: string,
  opts: { maxSockets?: number; timeoutMs?: number; keepAlive?: boolean } = {},
) {
  // The network rule of this workplace, checked in code: nothing but loopback is ever a target.
  if (!LOOPBACK.test(base))
    throw new Error(`reliability targets must be http://127.0.0.1:<port>, not ${base}`)
  const url = new URL(base)
  // keepAlive false = one connection per request (`agent: false`; a Node Agent would still hand a freed
  // socket to a queued request), for requests the server may answer before reading their body: workerd then
  // drops the connection, and a reused socket would carry that into the next request.
  const keepAlive = opts.keepAlive ?? true
  const agent = new Agent({ keepAlive, maxSockets: opts.maxSockets ?? 64 })
  const timeoutMs = opts.timeoutMs ?? 20_000
  const send = (r: Sent): Promise<Received> =>
    new Promise((resolve) => {
      const t0 = performance.now()
      const done = (x: Omit<Received, 'ms'>) => resolve({ ...x, ms: performance.now() - t0 })
      let settled = false
      const finish = (x: Omit<Received, 'ms'>) => {
        if (settled) return
        settled = true
        clearTimeout(deadline)
        done(x)
      }
      let req: ReturnType<typeof request>
      try {
        req = request(
          {
            host: url.hostname,
            port: Number(url.port),
            method: r.method,
            path: r.path,
            headers: r.headers,
            agent: keepAlive ? agent : false,
            insecureHTTPParser: true,
          },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (d: Buffer) => chunks.push(d))
            res.on('end', () =>
              finish({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: decode(Buffer.concat(chunks), res.headers['content-encoding']),
              }),
            )
            res.on('error', (e) => finish({ status: 0, headers: {}, body: '', error: e.message }))
          },
        )
      } catch (e) {
        // Node refused to send it (e.g. a header value it considers invalid): not the server's doing.
        resolve({
          status: -1,
          headers: {},
          body: '',
          ms: 0,
          error: e instanceof Error ? e.message : 'refused',
        })
        return
      }
      const deadline = setTimeout(() => {
        req.destroy(new Error(`no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      req.on('error', (e) => finish({ status: 0, headers: {}, body: '', error: e.message }))
      if (r.body !== undefined) req.end(r.body)
      else req.end()
    })
  return { send, close: () => agent.destroy() }
}

/** The body as text, undoing the Content-Encoding the server chose (fuzzing sends Accept-Encoding). */
function decode(raw: Buffer, encoding: string | undefined): string {
  try {
    if (encoding === 'gzip') return gunzipSync(raw).toString('utf8')
    if (encoding === 'br') return brotliDecompressSync(raw).toString('utf8')
    if (encoding === 'deflate') return inflateSync(raw).toString('utf8')
  } catch {
    return `(undecodable ${encoding} body)`
  }
  return raw.toString('utf8')
}

/** Runs `count` tasks with at most `concurrency` in flight; results in task order. */
export async function pool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = new Array(count)
  let next = 0
  const worker = async () => {
    for (;;) {
      const i = next++
      if (i >= count) return
      out[i] = await task(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return out
}

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}

export const header = (r: Received, name: string): string | undefined => {
  const v = r.headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}
