/**
 * `npm run bench`: every benchmark in turn (never in parallel: they would measure each other), each as its own
 * process so a crash in one does not hide the others. Each writes bench/results/<name>.json and prints its
 * Markdown table; this collects the tables into bench/results/summary.md.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const SUITES = [
  {
    name: 'signer',
    file: 'bench/signer.ts',
    what: 'Signer tx.sign over mTLS vs in-process floor and raw signing',
  },
  { name: 'edge', file: 'bench/edge.ts', what: 'Edge middleware chain vs bare Hono route (same workerd)' },
  { name: 'chat', file: 'bench/chat.ts', what: 'Agent loop overhead per turn and time to first SSE byte' },
  { name: 'bundle', file: 'bench/bundle.ts', what: 'Worker bundle size (gzip) and cold start' },
  { name: 'policy', file: 'bench/policy.ts', what: 'Spending-policy check per transaction' },
  {
    name: 'attestation',
    file: 'bench/attestation.ts',
    what: 'Quote verification and per-response signature check',
  },
  {
    name: 'user-proof',
    file: 'bench/user-proof.ts',
    what: "The signer's own passkey check: added latency per approval and per export",
  },
] as const

const only = process.argv.slice(2)
const sections: string[] = [
  `# Tuxedo benchmarks\n\nRun at ${new Date().toISOString()} on ${process.platform}/${process.arch}, Node ${process.version}.\n`,
]
let failed = 0
for (const s of SUITES) {
  if (only.length > 0 && !only.includes(s.name)) continue
  if (!existsSync(join(ROOT, s.file))) {
    sections.push(`## ${s.name}\n\n${s.what}: not present in this checkout.\n`)
    continue
  }
  console.log(`\n=== bench: ${s.name} ===`)
  const r = spawnSync(process.execPath, [s.file], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    // A chatty suite must not be killed for its output (the default cap is 1 MiB).
    maxBuffer: 256 * 1024 * 1024,
  })
  process.stdout.write(r.stdout)
  const lines = r.stdout.split('\n')
  const tableLines = lines.filter((l) => l.startsWith('|') || l.startsWith('c=') || l.startsWith('Target'))
  // Suites that print plain columns or JSON are kept verbatim rather than lost.
  const table = tableLines.length > 0 ? tableLines.join('\n') : `\`\`\`\n${r.stdout.trim()}\n\`\`\``
  if (r.status !== 0) failed++
  sections.push(
    `## ${s.name}\n\n${s.what}.${r.status === 0 ? '' : ` **Failed (exit ${r.status}).**`}\n\n${table}\n`,
  )
}
mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
writeFileSync(join(ROOT, 'bench/results/summary.md'), sections.join('\n'))
console.log('\nwrote bench/results/summary.md')
process.exit(failed > 0 ? 1 : 0)
