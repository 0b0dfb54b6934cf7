/**
 * The Upstash REST protocol in front of a real redis-server, for local runs and tests only.
 * @upstash/redis and @upstash/ratelimit talk to it unchanged: JSON command arrays on POST /,
 * /pipeline and /multi-exec, Bearer auth, and base64-encoded replies when asked (Upstash-Encoding).
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createRequire } from 'node:module'

// ioredis is CommonJS; require() gives the same constructor under plain Node and vitest's module runner.
const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis')

type Reply = null | number | string | Reply[] | { [k: string]: Reply }

const encode = (v: unknown, b64: boolean): Reply => {
  if (v === null || v === undefined) return null
  if (Buffer.isBuffer(v)) return b64 ? v.toString('base64') : v.toString('utf8')
  if (Array.isArray(v)) return v.map((x) => encode(x, b64))
  if (typeof v === 'string') return b64 ? Buffer.from(v).toString('base64') : v
  if (typeof v === 'number') return v
  // ioredis turns HGETALL into an object; Upstash answers a flat array.
  if (typeof v === 'object') return encode(Object.entries(v).flat(), b64)
  return String(v)
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex')

// @upstash/ratelimit's scripts start with "#!lua flags=allow-key-locking", which Redis 7.0 rejects:
// strip that flag, and map the client's EVALSHA hash (of the original text) to the hash Redis stored.
function fixScript(script: string): string {
  return script.replace(/^#!lua flags=([^\n]*)/, (_m, flags: string) => {
    const kept = flags
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f && f !== 'allow-key-locking')
    return kept.length ? `#!lua flags=${kept.join(',')}` : '#!lua'
  })
}

export type Bridge = { readonly url: string; readonly token: string; close(): Promise<void> }

export async function startUpstashBridge(opts: {
  redisUrl: string
  token: string
  port?: number
}): Promise<Bridge> {
  const redis = new Redis(opts.redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
  })
  redis.on('error', () => {}) // reported per request; a stopped Redis must not crash the bridge
  const shaMap = new Map<string, string>()

  const rewrite = (cmd: unknown[]): string[] => {
    const parts = cmd.map(String)
    const name = (parts[0] ?? '').toUpperCase()
    if ((name === 'EVAL' || name === 'EVAL_RO') && parts[1] !== undefined) {
      const fixed = fixScript(parts[1])
      if (fixed !== parts[1]) shaMap.set(sha1(parts[1]), sha1(fixed))
      return [parts[0] ?? name, fixed, ...parts.slice(2)]
    }
    if ((name === 'EVALSHA' || name === 'EVALSHA_RO') && parts[1] !== undefined) {
      return [parts[0] ?? name, shaMap.get(parts[1].toLowerCase()) ?? parts[1], ...parts.slice(2)]
    }
    return parts
  }
  const run = (cmd: unknown[]) => {
    const [name, ...args] = rewrite(cmd)
    return redis.callBuffer(name ?? '', ...args)
  }
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

  const readBody = async (req: IncomingMessage) => {
    let body = ''
    for await (const chunk of req) body += chunk
    return body
  }

  const server: Server = createServer(async (req, res) => {
    const send = (status: number, obj: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(obj))
    }
    if (req.headers.authorization !== `Bearer ${opts.token}`) return send(401, { error: 'Unauthorized' })
    if (req.method !== 'POST') return send(405, { error: 'only POST is supported' })
    const b64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64'
    let cmds: unknown
    try {
      cmds = JSON.parse(await readBody(req))
    } catch {
      return send(400, { error: 'ERR invalid JSON body' })
    }
    if (!Array.isArray(cmds)) return send(400, { error: 'ERR expected a JSON array' })
    const path = new URL(req.url ?? '/', 'http://bridge').pathname.replace(/\/+$/, '')
    try {
      if (path === '/pipeline') {
        const out: unknown[] = []
        for (const c of cmds) {
          try {
            out.push({ result: encode(await run(c as unknown[]), b64) })
          } catch (e) {
            out.push({ error: message(e) })
          }
        }
        return send(200, out)
      }
      if (path === '/multi-exec') {
        const m = redis.multi()
        for (const c of cmds) {
          const [name, ...args] = rewrite(c as unknown[])
          m.callBuffer(name ?? '', ...args)
        }
        const results = (await m.exec()) ?? []
        return send(
          200,
          results.map(([e, v]) => (e ? { error: message(e) } : { result: encode(v, b64) })),
        )
      }
      if (path === '') return send(200, { result: encode(await run(cmds), b64) })
      return send(404, { error: `unknown path ${path}` })
    } catch (e) {
      return send(400, { error: message(e) })
    }
  })
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve))
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    token: opts.token,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      redis.disconnect()
    },
  }
}
