/**
 * HTTP plumbing shared by the Horizon stand-in's routes: replies, request bodies, and Horizon's collection
 * paging (`_embedded.records`, `order`/`limit`/`cursor`, next/prev links).
 */
import type { IncomingMessage } from 'node:http'
import type { HistoryEntry } from './ledger.ts'
import { badRequest, type Problem } from './problems.ts'

export type Reply = { status: number; body: unknown }
export const ok = (body: unknown): Reply => ({ status: 200, body })
export const problem = (p: Problem): Reply => ({ status: p.status, body: p.body })

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** stellar-sdk posts `tx=<base64>` form-encoded; a JSON `{ "tx": … }` body is accepted too. */
export function envelopeFrom(body: string, contentType: string | undefined): string | undefined {
  if (contentType?.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body)
      if (parsed && typeof parsed === 'object' && 'tx' in parsed && typeof parsed.tx === 'string')
        return parsed.tx
    } catch {
      return undefined
    }
    return undefined
  }
  return new URLSearchParams(body).get('tx') ?? undefined
}

/** Horizon's collection page: `_embedded.records`, `order`/`limit`/`cursor`, next/prev links. */
export function page(
  url: URL,
  entries: readonly HistoryEntry[] | readonly { pagingToken: bigint; record: unknown }[],
): Reply | Problem {
  const order = url.searchParams.get('order') ?? 'asc'
  if (order !== 'asc' && order !== 'desc') return badRequest('order must be asc or desc', 'order')
  const limit = Number(url.searchParams.get('limit') ?? '10')
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    return badRequest('limit must be 1 to 200', 'limit')
  const cursorRaw = url.searchParams.get('cursor')
  let cursor: bigint | undefined
  if (cursorRaw && cursorRaw !== 'now') {
    if (!/^[0-9]+$/.test(cursorRaw)) return badRequest('cursor must be a paging token', 'cursor')
    cursor = BigInt(cursorRaw)
  }
  const sorted = [...entries].sort((a, b) => (a.pagingToken < b.pagingToken ? -1 : 1))
  if (order === 'desc') sorted.reverse()
  const after = sorted.filter((e) =>
    cursor === undefined ? true : order === 'asc' ? e.pagingToken > cursor : e.pagingToken < cursor,
  )
  const records = after.slice(0, limit).map((e) => e.record)
  const last = after[Math.min(limit, after.length) - 1]?.pagingToken
  const first = after[0]?.pagingToken
  const link = (c: bigint | undefined, o: string) => {
    const u = new URL(url)
    u.searchParams.set('order', o)
    u.searchParams.set('limit', String(limit))
    if (c !== undefined) u.searchParams.set('cursor', c.toString())
    return { href: u.toString() }
  }
  return ok({
    _links: {
      self: { href: url.toString() },
      next: link(last ?? cursor, order),
      prev: link(first ?? cursor, order === 'asc' ? 'desc' : 'asc'),
    },
    _embedded: { records },
  })
}

export function isProblem(x: Reply | Problem): x is Problem {
  return typeof x.body === 'object' && x.body !== null && 'type' in x.body
}
