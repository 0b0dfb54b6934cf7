/**
 * The audit-head check (edge/attestation/audit-head.ts) and its wire format (shared/attestation.ts): a
 * rolled-back or forked signer database is refused, a late answer within the window is not.
 */
import { describe, expect, it } from 'vitest'
import { checkHead, HEAD_WINDOW, type HeadsSeen } from '../../edge/attestation/audit-head.ts'
import { formatAuditHead, parseAuditHead, type SignedAuditHead } from '../../shared/attestation.ts'

const H = (c: string) => c.repeat(64)
const head = (seq: number, hash = H('a')): SignedAuditHead => ({ seq, hash })
const seen = (highest: number | undefined, hashAtSeq?: string, forked = false): HeadsSeen => ({
  forked,
  highest,
  hashAtSeq,
})

describe('checkHead refuses', () => {
  type Row = [
    string,
    number,
    SignedAuditHead | undefined,
    HeadsSeen,
    'missing' | 'fork' | 'forked' | 'behind',
  ]
  const rows: Row[] = [
    ['a 200 without a head', 200, undefined, seen(10), 'missing'],
    ['a 201 without a head, nothing seen yet', 201, undefined, seen(undefined), 'missing'],
    ['a 299 without a head', 299, undefined, seen(undefined), 'missing'],
    [
      'the highest seq seen again with another hash (a fork)',
      200,
      head(10, H('b')),
      seen(10, H('a')),
      'fork',
    ],
    [
      'an older seq seen with another hash (rolled back, then written)',
      200,
      head(7, H('b')),
      seen(10, H('a')),
      'fork',
    ],
    ['a refusal (403) whose seq was seen with another hash', 403, head(7, H('b')), seen(10, H('a')), 'fork'],
    ['one below the window', 200, head(1100 - HEAD_WINDOW - 1), seen(1100), 'behind'],
    ['far behind (a restored old snapshot)', 200, head(3), seen(50_000), 'behind'],
    ['behind, on an error answer', 404, head(3), seen(50_000), 'behind'],
    ['behind a small window', 200, head(7), seen(10), 'behind'],
    ['the next head of a chain that forked earlier', 200, head(11), seen(10, undefined, true), 'forked'],
    ['a head already seen, on a chain that forked earlier', 200, head(10), seen(10, H('a'), true), 'forked'],
  ]
  it.each(rows)('%s', (_name, status, h, s, kind) => {
    const r = checkHead(status, h, s, _name.includes('small window') ? 2 : HEAD_WINDOW)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.kind).toBe(kind)
  })
})

describe('checkHead accepts', () => {
  type Row = [string, number, SignedAuditHead | undefined, HeadsSeen]
  const rows: Row[] = [
    ['the first head ever', 200, head(1), seen(undefined)],
    ['the next head', 200, head(11), seen(10)],
    ['a late answer (out of order) within the window', 200, head(1100 - HEAD_WINDOW), seen(1100)],
    ['the same head again (a replayed answer)', 200, head(10), seen(10, H('a'))],
    ['an error before the transaction (no head)', 400, undefined, seen(10)],
  ]
  it.each(rows)('%s', (_name, status, h, s) => {
    expect(checkHead(status, h, s)).toEqual({ ok: true, value: undefined })
  })
})

describe('the audit head header', () => {
  it('round-trips a head', () => {
    const h = head(42, H('0'))
    expect(formatAuditHead(h)).toBe(`42:${H('0')}`)
    expect(parseAuditHead(formatAuditHead(head(9_007_199_254_740_991, H('f'))))).toEqual({
      seq: 9_007_199_254_740_991,
      hash: H('f'),
    })
  })
  const bad = [
    '',
    `0:${H('a')}`,
    `-1:${H('a')}`,
    `01:${H('a')}`,
    `+1:${H('a')}`,
    `1.5:${H('a')}`,
    `1:${H('A')}`,
    `1:${'a'.repeat(63)}`,
    `1:${'a'.repeat(65)}`,
    `1 :${H('a')}`,
    `1:${H('a')} `,
    `1:${H('a')}:2`,
    `9007199254740993:${H('a')}`,
    `99999999999999999:${H('a')}`,
    H('a'),
  ]
  it.each(bad)('refuses %j', (v) => {
    expect(parseAuditHead(v)).toBeUndefined()
  })
})
