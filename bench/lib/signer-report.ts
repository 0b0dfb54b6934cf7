/**
 * What `npm run bench:signer` prints and keeps: the side-by-side Markdown table (engine, signers,
 * concurrency, req/s, p50, p99, errors, floor req/s, % of floor), the raw-signing table, and `rows` in the
 * shape bench/results/signer.json had before the engines ran side by side (raw, the SQLite floor, SQLite
 * over mTLS), so whatever read it still does.
 */
import type { Measured } from './signer-load.ts'

export type Row = {
  name: string
  concurrency: number | null
  perSec: number
  p50Ms: number | null
  p99Ms: number | null
  errors: number
}
export type Engine = 'sqlite' | 'postgres'
export type SideRow = Measured & {
  engine: Engine
  signers: number
  concurrency: number
  floorPerSec: number
  floorP99Ms: number
}

const fmt = (n: number, d: number) => n.toFixed(d)

export function tables(side: readonly SideRow[], raw: readonly Row[]): string[] {
  return [
    '| engine | signers | concurrency | req/s | p50 ms | p99 ms | errors | floor req/s | % of floor |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...side.map(
      (r) =>
        `| ${r.engine} | ${r.signers} | ${r.concurrency} | ${Math.round(r.perSec)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${r.errors} | ${Math.round(r.floorPerSec)} | ${Math.round((100 * r.perSec) / (r.floorPerSec || 1))}% |`,
    ),
    '',
    '| raw signing | ops/s | p50 ms | p99 ms |',
    '|---|---:|---:|---:|',
    ...raw.map(
      (r) => `| ${r.name} | ${Math.round(r.perSec)} | ${fmt(r.p50Ms ?? 0, 3)} | ${fmt(r.p99Ms ?? 0, 3)} |`,
    ),
  ]
}

/** The old `rows`: raw signing, the SQLite floor at c=1, SQLite over mTLS. */
export function legacyRows(raw: readonly Row[], sqlite: readonly SideRow[]): Row[] {
  const f1 = sqlite.find((r) => r.concurrency === 1)
  const floor: Row[] = f1
    ? [
        {
          name: 'in-process floor: tx.sign (no network)',
          concurrency: null,
          perSec: f1.floorPerSec,
          p50Ms: null,
          p99Ms: f1.floorP99Ms,
          errors: 0,
        },
      ]
    : []
  return [
    ...raw,
    ...floor,
    ...sqlite.map((r) => ({
      name: 'mTLS tx.sign (autocannon, keep-alive)',
      concurrency: r.concurrency,
      perSec: r.perSec,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      errors: r.errors,
    })),
  ]
}

/** The target for the default engine. */
export function targetMet(sqlite: readonly SideRow[]): boolean {
  const c64 = sqlite.find((r) => r.concurrency === 64)
  return c64 !== undefined && c64.perSec >= 3000 && c64.p99Ms < 25 && c64.errors === 0
}
