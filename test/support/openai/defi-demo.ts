/**
 * A rule-following stand-in for the model in the DeFi conversation of `npm run dev:local` and the chat e2e
 * (no LLM here): it reads what a model reads — the last user message and the tool results in the request —
 * and answers the way the system prompt asks: "where is the best USDC yield?" → blend pools for USDC, then
 * the supply APYs from the tool result, best first; "put 100 USDC in it" → blend supply into the pool that
 * answer named (found in the conversation's earlier tool result); "swap 10 XLM to USDC" → soroswap swap with
 * a 1 % bound; "my positions" → blend positions. A tool error is said in words. It never invents a number:
 * every figure it says is copied from a tool result. Anything else returns undefined (the caller's fallback).
 */
import type { ChatMessage, ChatRequest, Turn } from './script.ts'

type Reserve = { pool: string; asset: string; supplyApyPercent: string; borrowApyPercent: string }

const text = (m: ChatMessage | undefined): string =>
  typeof m?.content === 'string'
    ? m.content
    : Array.isArray(m?.content)
      ? m.content
          .map((p: unknown) => (p && typeof p === 'object' && 'text' in p ? String(p.text) : ''))
          .join('')
      : ''

const json = (s: string): Record<string, unknown> | undefined => {
  try {
    const v: unknown = JSON.parse(s)
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The reserves of the latest `blend pools` result anywhere in the conversation. */
function lastReserves(messages: readonly ChatMessage[]): Reserve[] | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]
    if (m?.role !== 'tool') continue
    const body = json(text(m))
    const data = (body?.data ?? body) as { reserves?: Reserve[] } | undefined
    if (Array.isArray(data?.reserves)) return data.reserves
  }
  return undefined
}

function answerTool(body: Record<string, unknown>): string {
  if (body.ok === false || typeof body.code === 'string') {
    const code = String(body.code ?? 'error')
    const message = String(body.message ?? 'the tool failed')
    return code === 'ERR_APPROVAL_REQUIRED'
      ? `This needs your approval before it is signed: ${message}. Approve it in the app with your passkey.`
      : `That did not go through, and nothing was signed: ${message} (${code}).`
  }
  const data = (body.data ?? body) as Record<string, unknown>
  if (Array.isArray(data.reserves)) {
    const rows = data.reserves as Reserve[]
    if (rows.length === 0) return 'No Blend pool lists that asset.'
    const [best, ...rest] = rows
    const others = rest.map((r) => `${r.pool}: ${r.supplyApyPercent}%`).join('; ')
    return `The best ${best?.asset} yield on Blend is ${best?.supplyApyPercent}% supply APY in the ${best?.pool} pool${others ? ` (others: ${others})` : ''}.`
  }
  if (Array.isArray(data.positions)) {
    const rows = data.positions as {
      pool: string
      asset: string
      kind: string
      amount: string
      apyPercent: string
    }[]
    return rows.length === 0
      ? 'You have no Blend positions.'
      : `Your positions: ${rows.map((p) => `${p.amount} ${p.asset} ${p.kind} in ${p.pool} at ${p.apyPercent}% APY`).join('; ')}.`
  }
  if (typeof data.unsignedXdr === 'string')
    return `Here is the unsigned transaction: ${String(data.description)}. Sign it in your wallet.`
  if (typeof data.hash === 'string') return `Done: ${String(data.description)}. Transaction ${data.hash}.`
  return 'Done.'
}

export function defiDemoTurn(request: ChatRequest): Turn | undefined {
  const messages = request.messages
  const last = messages[messages.length - 1]
  if (last?.role === 'tool') {
    const body = json(text(last))
    return { text: body ? answerTool(body) : 'The tool answered something I cannot read.' }
  }
  if (last?.role !== 'user') return undefined
  const said = text(last)
    .replace(/\[script:[^\]]*\]/g, '')
    .trim()
  const call = (name: string, args: Record<string, unknown>): Turn => ({
    toolCalls: [{ name, arguments: args }],
  })
  const yieldAsk = /best\s+([A-Za-z]{2,12})\s+yield/i.exec(said)
  if (yieldAsk)
    return call('blend', {
      action: 'pools',
      account: null,
      pool: null,
      asset: yieldAsk[1]?.toUpperCase(),
      amount: null,
    })
  const put = /put\s+([0-9]+(?:\.[0-9]+)?)\s+([A-Za-z]{2,12})\s+in(?:to)?\s+it/i.exec(said)
  if (put) {
    const asset = put[2]?.toUpperCase()
    const best = lastReserves(messages)?.find((r) => r.asset === asset)
    if (!best) return { text: `Which pool? Ask me for the best ${asset} yield first.` }
    return call('blend', { action: 'supply', account: null, pool: best.pool, asset, amount: put[1] })
  }
  const swap = /swap\s+([0-9]+(?:\.[0-9]+)?)\s+([A-Za-z]{2,12})\s+(?:to|for|into)\s+([A-Za-z]{2,12})/i.exec(
    said,
  )
  if (swap)
    return call('soroswap', {
      action: 'swap',
      account: null,
      token_in: swap[2]?.toUpperCase(),
      token_out: swap[3]?.toUpperCase(),
      amount: swap[1],
      max_slippage_percent: '1',
    })
  if (/positions?/i.test(said))
    return call('blend', { action: 'positions', account: null, pool: null, asset: null, amount: null })
  return undefined
}
