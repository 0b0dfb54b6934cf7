/**
 * The ledger's arithmetic as pure functions: cum per line, the head after a batch, and the window's total
 * as head − boundary cum, with the boundary rule of the old SUM (a line exactly 24 h old no longer counts).
 */
import { describe, expect, it } from 'vitest'
import {
  appendLines,
  CAP_WINDOW_MS,
  FEE_LEDGER_KEY,
  windowStart,
  windowTotals,
  zeroHead,
} from '../../signer/store/ledger.ts'
import type { NewSpendingLine, SpendingHeadRow } from '../../signer/store/types.ts'

const line = (asset: string, stroops: bigint, counts = true, requestId = 'r'): NewSpendingLine => ({
  requestId,
  userId: 'u1',
  accountId: 'a1',
  day: '2026-01-01',
  asset,
  stroops,
  txHash: 'h',
  approvalId: null,
  at: '2026-01-01T00:00:00.000Z',
  counts,
})

describe('appendLines', () => {
  it.each([
    ['one counted line', zeroHead('u1'), [line('native', 5n)], [5n], { native: '5' }, 1],
    [
      'an uncounted line carries the previous cum',
      zeroHead('u1'),
      [line('native', 5n, false)],
      [0n],
      { native: '0' },
      1,
    ],
    [
      'keys cumulate apart',
      { user_id: 'u1', totals: { native: '10', fee: '3' }, lines: 4 },
      [line('native', 5n), line(FEE_LEDGER_KEY, 1n), line('native', 2n)],
      [15n, 4n, 17n],
      { native: '17', fee: '4' },
      7,
    ],
    [
      'uncounted between counted',
      { user_id: 'u1', totals: { native: '10' }, lines: 1 },
      [line('native', 5n), line('native', 100n, false), line('native', 1n)],
      [15n, 15n, 16n],
      { native: '16' },
      4,
    ],
  ] as const)('%s', (_, head, lines, cums, totals, count) => {
    const out = appendLines(head as SpendingHeadRow, lines)
    expect(out.rows.map((r) => r.cum)).toEqual(cums)
    expect(out.head).toEqual({ user_id: 'u1', totals, lines: count })
  })
  it('keys each line by request and ledger key (a replay never adds twice)', () => {
    const out = appendLines(zeroHead('u1'), [
      line('native', 1n, true, 'req'),
      line(FEE_LEDGER_KEY, 1n, true, 'req'),
    ])
    expect(out.rows.map((r) => r.request_id)).toEqual(['req#native', 'req#fee'])
  })
  it.each([
    ['a negative line', [line('native', -1n)]],
    ['a line of another user', [{ ...line('native', 1n), userId: 'u2' }]],
  ])('refuses %s', (_, lines) => {
    expect(() => appendLines(zeroHead('u1'), lines)).toThrow()
  })
})

describe('windowTotals', () => {
  const head: SpendingHeadRow = { user_id: 'u1', totals: { native: '100', fee: '7', 'USD:G': '0' }, lines: 9 }
  it.each([
    [
      'no boundary lines: everything counts',
      {},
      {
        ok: true,
        spent: [
          ['native', 100n],
          ['fee', 7n],
        ],
      },
    ],
    ['boundary cums subtract per key', { native: 60n, fee: 7n }, { ok: true, spent: [['native', 40n]] }],
    ['a boundary at the head: nothing in the window', { native: 100n, fee: 7n }, { ok: true, spent: [] }],
    ['a boundary above the head (restored or reset head)', { native: 101n }, { ok: false, key: 'native' }],
    ['a fee boundary above the head', { fee: 8n }, { ok: false, key: 'fee' }],
    ['a zero key with a positive boundary', { 'USD:G': 1n }, { ok: false, key: 'USD:G' }],
  ] as const)('%s', (_, boundary, want) => {
    const got = windowTotals(head, (k) => (boundary as Record<string, bigint>)[k])
    if (want.ok) expect(got).toEqual({ ok: true, spent: new Map(want.spent) })
    else expect(got).toEqual(want)
  })
})

describe('windowStart', () => {
  it.each([
    ['2026-01-02T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    ['2026-03-01T12:34:56.789Z', '2026-02-28T12:34:56.789Z'],
  ])('%s → %s (exclusive: a line exactly 24 h old is at or before it)', (now, start) => {
    expect(windowStart(new Date(now))).toBe(start)
    expect(new Date(now).getTime() - new Date(start).getTime()).toBe(CAP_WINDOW_MS)
  })
})
