/**
 * `npm run bench:bundle`: the Worker as deployed — wrangler's own bundle (`deploy --dry-run`), raw and gzipped,
 * against the 1 MiB gzipped target — and its cold start in workerd: from `new Miniflare()` to the first
 * answered request (`/openapi.json`: no I/O, so it measures parse + instantiate + first route), median of N.
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
  const script = buildEdge(ROOT, outDir)
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
  const cold: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const port = await freePort()
    const start = performance.now()
    const mf = new Miniflare(
      edgeOptions(
        {
          root: ROOT,
          outDir,
          persistDir: join(work, `p${i}`),
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
    const res = await fetch(`${url}/openapi.json`)
    await res.arrayBuffer()
    if (res.status !== 200) throw new Error(`cold request answered ${res.status}`)
    cold.push(performance.now() - start)
    await mf.dispose()
  }
  rmSync(work, { recursive: true, force: true })
  cold.sort((a, b) => a - b)
  const median = cold[Math.floor(cold.length / 2)] ?? 0
  const result = {
    at: new Date().toISOString(),
    files,
    rawBytes: raw,
    gzipBytes: gz,
    gzipTargetBytes: TARGET_GZIP,
    gzipVsTarget: gz / TARGET_GZIP,
    buildMs,
    coldStartMs: { median, min: cold[0], max: cold[cold.length - 1], runs: RUNS },
  }
  console.log(
    [
      '| measure | value | target | ratio |',
      '|---|---:|---:|---:|',
      `| Worker bundle, raw | ${(raw / 1024).toFixed(0)} KiB | — | — |`,
      `| Worker bundle, gzip -9 | ${(gz / 1024).toFixed(0)} KiB | 1024 KiB | ${(gz / TARGET_GZIP).toFixed(2)} |`,
      `| cold start to first response (median of ${RUNS}) | ${median.toFixed(0)} ms | — | — |`,
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
