/**
 * `npm run bench:edge`: what the middleware chain costs. One workerd (Miniflare) runs bench/edge-chain-worker.ts,
 * which answers the full chain, a bare Hono route and a bare Redis round trip from the same isolate; autocannon
 * drives each path in turn at concurrency 1 and 16. Added latency = chain − bare; the part beyond Redis =
 * chain − bare − redis. Writes bench/results/edge.json and prints a Markdown table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error autocannon ships no types; only its documented programmatic API is used.
import autocannon from 'autocannon'
import { Miniflare } from 'miniflare'
import { applyMigrations, buildEdge, edgeOptions } from '../scripts/lib/edge-runtime.ts'
import { freePort } from '../scripts/lib/ports.ts'
import { freshSecrets } from '../scripts/lib/secrets.ts'
import { startStack } from '../scripts/lib/stack.ts'
import { benchSession } from './lib/session.ts'

const ROOT = join(import.meta.dirname, '..')
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5)
const work = mkdtempSync(join(tmpdir(), 'tuxedo-bench-edge-'))

type Row = {
  path: string
  concurrency: number
  rps: number
  p50: number
  p99: number
  mean: number
  errors: number
}

async function load(
  url: string,
  body: string,
  headers: Record<string, string>,
  connections: number,
  path: string,
): Promise<Row> {
  const r = await autocannon({ url, method: 'POST', body, headers, connections, duration: DURATION_S })
  return {
    path,
    concurrency: connections,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    mean: r.latency.average,
    errors: r.errors + r.non2xx,
  }
}

async function main() {
  const secrets = freshSecrets()
  const network = { STELLAR_NETWORK: 'testnet' }
  const stack = await startStack({ root: ROOT, stateDir: join(work, 'state'), secrets, network })
  const outDir = join(work, 'dist')
  mkdirSync(outDir, { recursive: true })
  // Bundled by wrangler, like the real Worker (node: built-ins, nodejs_compat aliases), from a config that
  // points at the benchmark entry.
  const benchConfig = join(work, 'wrangler.bench.toml')
  writeFileSync(
    benchConfig,
    [
      'name = "tuxedo-bench-chain"',
      `main = "${join(ROOT, 'bench/edge-chain-worker.ts')}"`,
      'compatibility_date = "2026-07-01"',
      'compatibility_flags = ["nodejs_compat"]',
      '',
    ].join('\n'),
  )
  const scriptPath = buildEdge(ROOT, outDir, null, benchConfig)

  const port = await freePort()
  const mf = new Miniflare(
    edgeOptions(
      {
        root: ROOT,
        outDir,
        persistDir: work,
        logLevel: 'warn',
        port,
        vars: {
          ...network,
          SIGNER_URL: stack.signer.url,
          UPSTASH_REDIS_REST_URL: stack.bridge.url,
          UPSTASH_REDIS_REST_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN,
          AUTH_SECRET: secrets.AUTH_SECRET,
          RATE_LIMIT_READ: '9999999/1m',
        },
        mtls: { clientCert: stack.pki.clientCert, clientKey: stack.pki.clientKey, caCert: stack.pki.caCert },
      },
      scriptPath,
    ),
  )
  const base = (await mf.ready).toString().replace(/\/$/, '')
  await applyMigrations(mf, ROOT)
  const token = await benchSession(mf)

  const body = JSON.stringify({ n: 7 })
  const json = { 'content-type': 'application/json' }
  const auth = { ...json, authorization: `Bearer ${token}`, origin: 'http://localhost:8787' }
  if (process.env.BENCH_DEBUG) {
    for (const p of ['/chain', '/bare', '/redis']) {
      const t = performance.now()
      const r = await fetch(`${base}${p}`, { method: 'POST', body, headers: p === '/chain' ? auth : json })
      console.log(p, r.status, await r.text(), `${(performance.now() - t).toFixed(1)} ms`)
    }
  }
  // Warm the isolate, the Upstash scripts and the D1 statement cache.
  for (const p of ['/chain', '/bare', '/redis', '/d1']) await load(`${base}${p}`, body, auth, 4, p)

  const rows: Row[] = []
  for (const c of [1, 16]) {
    rows.push(await load(`${base}/bare`, body, json, c, 'bare Hono route'))
    rows.push(await load(`${base}/redis`, body, json, c, 'Redis round trip only'))
    rows.push(await load(`${base}/d1`, body, json, c, 'D1 session query only'))
    rows.push(await load(`${base}/chain`, body, auth, c, 'full chain'))
  }
  await mf.dispose()
  await stack.stop()
  rmSync(work, { recursive: true, force: true })

  const at = (name: string, c: number) => rows.find((r) => r.path === name && r.concurrency === c)
  const lines = [
    '| path | c | req/s | p50 ms | p99 ms | mean ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.path} | ${r.concurrency} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.mean.toFixed(2)} | ${r.errors} |`,
    ),
  ]
  const summary: Record<string, unknown> = {}
  for (const c of [1, 16]) {
    const [chain, bare, redis, d1] = [
      at('full chain', c),
      at('bare Hono route', c),
      at('Redis round trip only', c),
      at('D1 session query only', c),
    ]
    if (!chain || !bare || !redis || !d1) continue
    const added = chain.mean - bare.mean
    const beyondRedis = added - (redis.mean - bare.mean)
    const beyondIo = beyondRedis - (d1.mean - bare.mean)
    summary[`c${c}`] = {
      addedMeanMs: added,
      addedP50Ms: chain.p50 - bare.p50,
      beyondRedisMeanMs: beyondRedis,
      beyondRedisAndD1MeanMs: beyondIo,
      throughputRatio: chain.rps / bare.rps,
    }
    lines.push(
      `\nc=${c}: chain adds ${added.toFixed(2)} ms mean (${chain.p50 - bare.p50} ms p50) over the bare route; ` +
        `${beyondRedis.toFixed(2)} ms beyond the Redis round trip; ${beyondIo.toFixed(2)} ms beyond Redis and the D1 ` +
        `session query; throughput ratio ${(chain.rps / bare.rps).toFixed(2)}`,
    )
  }
  console.log(lines.join('\n'))
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
  writeFileSync(
    join(ROOT, 'bench/results/edge.json'),
    `${JSON.stringify({ at: new Date().toISOString(), durationS: DURATION_S, rows, summary }, null, 2)}\n`,
  )
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  },
)
