/**
 * `npm run bench:chat`: what the agent loop costs, with the scripted OpenAI-compatible model answering at once.
 *  - time to first SSE byte of POST /chat (auth, validation, thread write, headers flushed);
 *  - a one-iteration turn through /chat vs the same completion asked of the model directly (the loop's overhead
 *    per turn: session, D1 thread load/persist, SSE framing, event parsing);
 *  - a five-iteration run (five read-only tool calls, then the answer): per-iteration overhead beyond the model
 *    round trip and the tool's own reported duration.
 * Sequential requests (no contention between samples); medians and p90 of N. Writes bench/results/chat.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEdge } from '../scripts/lib/edge-runtime.ts'
import { freePort } from '../scripts/lib/ports.ts'
import { freshSecrets } from '../scripts/lib/secrets.ts'
import { startStack } from '../scripts/lib/stack.ts'
import { startStandIns } from '../scripts/lib/stand-ins.ts'
import { benchSession } from './lib/session.ts'

const ROOT = join(import.meta.dirname, '..')
const N = Number(process.env.BENCH_CHAT_RUNS ?? 40)
const ITER = 5

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0
}

type Timed = {
  firstByteMs: number
  totalMs: number
  events: { event: string; data: Record<string, unknown> }[]
}

async function chat(url: string, token: string, message: string): Promise<Timed> {
  const t0 = performance.now()
  const res = await fetch(`${url}/chat`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      origin: 'http://localhost:8787',
    },
    body: JSON.stringify({ message }),
  })
  if (!res.ok || !res.body) throw new Error(`/chat answered ${res.status}: ${await res.text()}`)
  const reader = res.body.getReader()
  let firstByteMs = -1
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (firstByteMs < 0) firstByteMs = performance.now() - t0
    text += new TextDecoder().decode(value)
  }
  const totalMs = performance.now() - t0
  const events = text
    .split('\n\n')
    .map((frame) => {
      const event = /^event: (.+)$/m.exec(frame)?.[1]
      const data = /^data: (.+)$/m.exec(frame)?.[1]
      return event && data ? { event, data: JSON.parse(data) as Record<string, unknown> } : undefined
    })
    .filter((e): e is { event: string; data: Record<string, unknown> } => e !== undefined)
  if (!events.some((e) => e.event === 'done')) throw new Error(`no done event: ${text.slice(0, 300)}`)
  return { firstByteMs, totalMs, events }
}

async function directModel(modelUrl: string, key: string): Promise<number> {
  const t0 = performance.now()
  const res = await fetch(`${modelUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: JSON.stringify({
      model: 'bench',
      stream: true,
      messages: [{ role: 'user', content: `[script:${key}] hi` }],
    }),
  })
  await res.text()
  return performance.now() - t0
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'tuxedo-bench-chat-'))
  const standIns = await startStandIns()
  const secrets = freshSecrets()
  const stack = await startStack({
    root: ROOT,
    stateDir: join(work, 'state'),
    secrets,
    network: standIns.networkVars,
  })
  const edge = await startEdge({
    root: ROOT,
    outDir: join(work, 'dist'),
    persistDir: work,
    logLevel: 'warn',
    port: await freePort(),
    vars: {
      ...standIns.networkVars,
      SIGNER_URL: stack.signer.url,
      UPSTASH_REDIS_REST_URL: stack.bridge.url,
      UPSTASH_REDIS_REST_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN,
      AUTH_SECRET: secrets.AUTH_SECRET,
      OPENAI_BASE_URL: standIns.model.url,
      OPENAI_API_KEY: 'sk-bench',
      RATE_LIMIT_CHAT_MINUTE: '1000000/1m',
      RATE_LIMIT_CHAT_HOUR: '1000000/1h',
    },
    mtls: { clientCert: stack.pki.clientCert, clientKey: stack.pki.clientKey, caCert: stack.pki.caCert },
  })
  const token = await benchSession(edge.mf)

  const oneTurn: number[] = []
  const ttfb: number[] = []
  const direct: number[] = []
  const perIter: number[] = []
  for (let i = -3; i < N; i++) {
    const key = `one-${i}`
    standIns.model.script(key, [{ text: 'Hello from the scripted model.' }])
    const r = await chat(edge.url, token, `[script:${key}] hi`)
    standIns.model.script(`direct-${i}`, [{ text: 'Hello from the scripted model.' }])
    const d = await directModel(standIns.model.url, `direct-${i}`)
    if (i < 0) continue // warm-up
    ttfb.push(r.firstByteMs)
    oneTurn.push(r.totalMs)
    direct.push(d)

    const loopKey = `loop-${i}`
    standIns.model.script(loopKey, [
      ...Array.from({ length: ITER }, () => ({
        toolCalls: [{ name: 'utilities', arguments: { action: 'network_status' } }],
      })),
      { text: 'Done.' },
    ])
    const run = await chat(edge.url, token, `[script:${loopKey}] status please`)
    const toolMs = run.events
      .filter((e) => e.event === 'tool_result')
      .reduce((sum, e) => sum + Number(e.data.durationMs ?? 0), 0)
    // ITER + 1 model calls; subtract them (at the direct median) and the tools' own time.
    perIter.push((run.totalMs - (ITER + 1) * d - toolMs) / (ITER + 1))
  }
  await edge.stop()
  await stack.stop()
  await standIns.stop()
  rmSync(work, { recursive: true, force: true })

  const overhead = oneTurn.map((t, i) => t - (direct[i] ?? 0))
  const rows = [
    ['time to first SSE byte', pct(ttfb, 0.5), pct(ttfb, 0.9), '< 20 ms'],
    ['one-turn /chat, wall', pct(oneTurn, 0.5), pct(oneTurn, 0.9), '—'],
    ['same completion asked of the model directly', pct(direct, 0.5), pct(direct, 0.9), '—'],
    ['loop overhead per turn (chat − direct)', pct(overhead, 0.5), pct(overhead, 0.9), '—'],
    [
      `overhead per iteration (${ITER} tool iterations + answer)`,
      pct(perIter, 0.5),
      pct(perIter, 0.9),
      '< 5 ms',
    ],
  ] as const
  console.log(
    [
      `| measure (N=${N}) | p50 ms | p90 ms | target |`,
      '|---|---:|---:|---|',
      ...rows.map(([m, p50, p90, t]) => `| ${m} | ${p50.toFixed(2)} | ${p90.toFixed(2)} | ${t} |`),
    ].join('\n'),
  )
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
  writeFileSync(
    join(ROOT, 'bench/results/chat.json'),
    `${JSON.stringify({ at: new Date().toISOString(), n: N, rows: rows.map(([m, p50, p90, t]) => ({ measure: m, p50, p90, target: t })) }, null, 2)}\n`,
  )
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  },
)
