/**
 * `npm run bench:bundle`: the Worker as deployed — wrangler's own production bundle (`deploy --dry-run --env
 * production`, minified), raw and gzipped,
 * against the 1 MiB gzipped target — and its cold start in workerd: from `new Miniflare()` to the first
 * answered request (an unknown path: the middleware chain to a 404, no I/O), beside a trivial Worker with the same
 * bindings as the baseline; medians of N, the two alternated. The modules are handed to Miniflare as wrangler
 * uploads them (scripts/lib/edge-runtime.ts), so the time is workerd's, not Miniflare parsing the bundle.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Miniflare } from 'miniflare'
import { ensurePki } from '../scripts/lib/certs.ts'
import { buildEdge, edgeOptions } from '../scripts/lib/edge-runtime.ts'
import { freePort } from '../scripts/lib/ports.ts'
import { freshSecrets } from '../scripts/lib/secrets.ts'

const ROOT = join(import.meta.dirname, '..')
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 7)
const TARGET_GZIP = 1024 * 1024

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'tuxedo-bench-bundle-'))
  const outDir = join(work, 'dist')
  const t0 = performance.now()
  // The production build (minified, as deployed); vars are bindings, not baked in, so it runs with dev vars.
  const scriptPath = buildEdge(ROOT, outDir, 'production')
  const buildMs = performance.now() - t0
  const files = readdirSync(outDir).filter(
    (f) => f.endsWith('.js') || f.endsWith('.mjs') || f.endsWith('.wasm'),
  )
  let raw = 0
  let gz = 0
  for (const f of files) {
    const bytes = readFileSync(join(outDir, f))
    raw += statSync(join(outDir, f)).size
    gz += gzipSync(bytes, { level: 9 }).length
  }
  const pki = ensurePki(join(work, 'pki'))
  const secrets = freshSecrets()
  // Baseline in the same run: a trivial Worker with the same bindings (assets, D1, the mTLS service) through the
  // same workerd start-up, so the difference is what our bundle costs to load (parse, evaluate, first route).
  const trivialDir = join(work, 'trivial')
  mkdirSync(trivialDir, { recursive: true })
  writeFileSync(
    join(trivialDir, 'index.js'),
    "export default { fetch: () => new Response('{}', { status: 404 }) }\n",
  )
  const trivial: number[] = []
  const cold: number[] = []
  // BENCH_COMPARE_BUNDLE=<dir with a prebuilt index.js> (say, the previous release's `wrangler deploy
  // --dry-run --env production --outdir`) is timed in the same run, for a before/after on equal terms.
  const compareDir = process.env.BENCH_COMPARE_BUNDLE
  const compare: number[] = []
  const contenders: (readonly [string, string, number[]])[] = [
    [join(trivialDir, 'index.js'), trivialDir, trivial],
    [scriptPath, outDir, cold],
    ...(compareDir ? [[join(compareDir, 'index.js'), compareDir, compare] as const] : []),
  ]
  // Alternate them so drifting machine load hits all equally.
  for (let i = 0; i < RUNS; i++) {
    for (const [script, dir, into] of contenders) {
      const port = await freePort()
      const start = performance.now()
      const mf = new Miniflare(
        edgeOptions(
          {
            root: ROOT,
            outDir: dir,
            persistDir: join(work, `p${i}-${contenders.findIndex((x) => x[2] === into)}`),
            logLevel: 'warn',
            // The production bundle with development vars (vars are bindings, not baked into the bundle).
            env: 'development',
            port,
            vars: {
              UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
              UPSTASH_REDIS_REST_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN,
              AUTH_SECRET: secrets.AUTH_SECRET,
            },
            mtls: { clientCert: pki.clientCert, clientKey: pki.clientKey, caCert: pki.caCert },
          },
          script,
        ),
      )
      const url = (await mf.ready).toString().replace(/\/$/, '')
      // An unknown path: through the whole middleware chain (config parse, headers, CORS, session) to a 404,
      // without the one-off work of a particular route (building the OpenAPI document, say).
      const res = await fetch(`${url}/cold-start-probe`)
      await res.arrayBuffer()
      if (res.status !== 404) throw new Error(`cold request answered ${res.status}`)
      into.push(performance.now() - start)
      await mf.dispose()
    }
  }
  rmSync(work, { recursive: true, force: true })
  cold.sort((a, b) => a - b)
  trivial.sort((a, b) => a - b)
  compare.sort((a, b) => a - b)
  const compareMedian = compare[Math.floor(compare.length / 2)] ?? 0
  const median = cold[Math.floor(cold.length / 2)] ?? 0
  const trivialMedian = trivial[Math.floor(trivial.length / 2)] ?? 0
  const result = {
    at: new Date().toISOString(),
    files,
    rawBytes: raw,
    gzipBytes: gz,
    gzipTargetBytes: TARGET_GZIP,
    gzipVsTarget: gz / TARGET_GZIP,
    buildMs,
    coldStartMs: { median, min: cold[0], max: cold[cold.length - 1], runs: RUNS },
    trivialWorkerColdStartMs: { median: trivialMedian, runs: RUNS },
    bundleLoadMs: median - trivialMedian,
    ...(compareDir
      ? { compareBundle: compareDir, compareColdStartMs: { median: compareMedian, runs: RUNS } }
      : {}),
  }
  console.log(
    [
      '| measure | value | target | ratio |',
      '|---|---:|---:|---:|',
      `| Worker bundle, raw | ${(raw / 1024).toFixed(0)} KiB | — | — |`,
      `| Worker bundle, gzip -9 | ${(gz / 1024).toFixed(0)} KiB | 1024 KiB | ${(gz / TARGET_GZIP).toFixed(2)} |`,
      `| workerd start to first response, our Worker (median of ${RUNS}) | ${median.toFixed(0)} ms | — | ${(median / trivialMedian).toFixed(2)} × trivial |`,
      `| workerd start to first response, trivial Worker (baseline) | ${trivialMedian.toFixed(0)} ms | — | 1.00 |`,
      ...(compareDir
        ? [
            `| workerd start to first response, compared bundle ${compareDir} | ${compareMedian.toFixed(0)} ms | — | ${(compareMedian / trivialMedian).toFixed(2)} × trivial |`,
          ]
        : []),
      `| our bundle's own load + first route (difference) | ${(median - trivialMedian).toFixed(0)} ms | — | — |`,
      `| wrangler build | ${buildMs.toFixed(0)} ms | — | — |`,
    ].join('\n'),
  )
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
  writeFileSync(join(ROOT, 'bench/results/bundle.json'), `${JSON.stringify(result, null, 2)}\n`)
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  },
)
