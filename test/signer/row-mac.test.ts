/**
 * Row MACs: known-answer vectors (cross-checked with Python's hmac/hashlib: RFC 5869 HKDF written out by
 * hand, json.dumps(separators=(',', ':')) for the input), then tables of tampered rows that must fail.
 */
import { describe, expect, it } from 'vitest'
import { keyIdOf, loadSecrets } from '../../signer/secrets.ts'
import { checkRow, deriveRowKeys, encodeRow, macRow, ROW_MAC_LABEL } from '../../signer/store/row-mac.ts'
import {
  ACCOUNTS,
  APPROVALS,
  CREDENTIALS,
  openRow,
  RECOVERY_CODES,
  SPENDING_HEADS,
  SPENDING_LINES,
  sealRow,
} from '../../signer/store/row-tables.ts'
import type { AccountRow, SpendingHeadRow, SpendingLineRow } from '../../signer/store/types.ts'
import { StoreTamperedError } from '../../signer/store/types.ts'

const MASTER = new Uint8Array(32).map((_, i) => i + 1)
const OTHER = new Uint8Array(32).map((_, i) => 0x80 + i)
const KEY_ID = 'k691fc0881260'
const master = (bytes: Uint8Array) => ({ id: keyIdOf(bytes), bytes })
const KEYS = deriveRowKeys({ sealing: master(MASTER), keys: new Map([[KEY_ID, master(MASTER)]]) })
const OTHER_KEYS = deriveRowKeys({
  sealing: master(OTHER),
  keys: new Map([[keyIdOf(OTHER), master(OTHER)]]),
})

const ACCOUNT: AccountRow = {
  id: 'a1',
  user_id: 'u1',
  public_key: 'GAAA',
  kind: 'agent',
  name: null,
  ciphertext: 'v1:k1:AAAA',
  key_version: 'k1',
  created_at: '2026-01-01T00:00:00.000Z',
}
const LINE: SpendingLineRow = {
  request_id: 'r1#native',
  user_id: 'u1',
  account_id: 'a1',
  day: '2026-01-01',
  asset: 'native',
  stroops: 1_000_000_000n,
  tx_hash: 'ab'.repeat(32),
  approval_id: null,
  at: '2026-01-01T12:00:00.000Z',
  counts: true,
  cum: 1_500_000_000n,
}
const HEAD: SpendingHeadRow = { user_id: 'u1', totals: { native: '1500000000', fee: '200' }, lines: 3 }

const ACCOUNT_MAC = 'k691fc0881260.geHOjKyEjp2-J9aVbnVo1wyZU638cO2Ono1OqPUOAzo'
const LINE_MAC = 'k691fc0881260.DV9xUrVieUl8NjvAOyl-WsUVV-wgp4lh7X7aMLf3fAY'
const HEAD_MAC = 'k691fc0881260.3ypgfUiu20bvEKgI_Y9CkclfH0UBm3FhWDzlRouhGr0'

describe('row MAC known answers', () => {
  it('names the key id of the master key it is derived from', () => {
    expect(keyIdOf(MASTER)).toBe(KEY_ID)
    expect(KEYS.sealingId).toBe(KEY_ID)
  })
  it('encodes the table and every column, in schema order, as compact JSON', () => {
    expect(encodeRow(ACCOUNTS.name, ACCOUNTS.columns, ACCOUNT)).toBe(
      `["${ROW_MAC_LABEL}","accounts",[["id","a1"],["user_id","u1"],["public_key","GAAA"],["kind","agent"],` +
        '["name",null],["ciphertext","v1:k1:AAAA"],["key_version","k1"],["created_at","2026-01-01T00:00:00.000Z"]]]',
    )
  })
  it.each([
    ['an account', ACCOUNTS, ACCOUNT, ACCOUNT_MAC],
    ['a ledger line (bigint, bool)', SPENDING_LINES, LINE, LINE_MAC],
    ['a ledger head (totals sorted by key)', SPENDING_HEADS, HEAD, HEAD_MAC],
  ] as const)('%s MACs to the pinned value', (_, table, row, mac) => {
    expect(macRow(KEYS, table.name, table.columns, row)).toBe(mac)
    expect(checkRow(KEYS, table.name, table.columns, row, mac)).toBe(true)
  })
  it('a head MACs the same whatever order its totals come back in', () => {
    const reordered = { ...HEAD, totals: { fee: '200', native: '1500000000' } }
    expect(checkRow(KEYS, SPENDING_HEADS.name, SPENDING_HEADS.columns, reordered, HEAD_MAC)).toBe(true)
  })
  it('does not depend on SERVER_SALT_SECRET (the operator knows it): two salts, one MAC', () => {
    const env = (salt: string) => ({
      ENCRYPTION_MASTER_KEY: Buffer.from(MASTER).toString('base64'),
      SERVER_SALT_SECRET: salt,
    })
    const a = deriveRowKeys(loadSecrets(env('a'.repeat(32))))
    const b = deriveRowKeys(loadSecrets(env('b'.repeat(32))))
    expect(macRow(a, ACCOUNTS.name, ACCOUNTS.columns, ACCOUNT)).toBe(ACCOUNT_MAC)
    expect(macRow(b, ACCOUNTS.name, ACCOUNTS.columns, ACCOUNT)).toBe(ACCOUNT_MAC)
  })
  it('writes under the sealing key and checks under every key held (a rotation in progress)', () => {
    const both = new Map([
      [KEY_ID, master(MASTER)],
      [keyIdOf(OTHER), master(OTHER)],
    ])
    const rotating = deriveRowKeys({ sealing: master(OTHER), keys: both })
    const fresh = macRow(rotating, ACCOUNTS.name, ACCOUNTS.columns, ACCOUNT)
    expect(fresh.startsWith(`${keyIdOf(OTHER)}.`)).toBe(true)
    expect(checkRow(rotating, ACCOUNTS.name, ACCOUNTS.columns, ACCOUNT, ACCOUNT_MAC)).toBe(true)
    expect(checkRow(KEYS, ACCOUNTS.name, ACCOUNTS.columns, ACCOUNT, fresh)).toBe(false)
    expect(() =>
      deriveRowKeys({ sealing: master(OTHER), keys: new Map([[KEY_ID, master(MASTER)]]) }),
    ).toThrow()
  })
})

const accountChanges: [string, Partial<Record<keyof AccountRow, unknown>>][] = [
  ['id changed', { id: 'a2' }],
  ['moved to another user', { user_id: 'u2' }],
  ['public key swapped', { public_key: 'GBBB' }],
  ['kind changed', { kind: 'user' }],
  ['name set', { name: '' }],
  ['ciphertext swapped', { ciphertext: 'v1:k1:BBBB' }],
  ['key version changed', { key_version: 'k2' }],
  ['created_at changed', { created_at: '2026-01-01T00:00:00.001Z' }],
  ['a column missing', { name: undefined }],
  ['a number where text goes', { id: 1 }],
]
const lineChanges: [string, Partial<Record<keyof SpendingLineRow, unknown>>][] = [
  ['stroops set to zero', { stroops: 0n }],
  ['stroops and cum set to zero', { stroops: 0n, cum: 0n }],
  ['cum lowered', { cum: 500_000_000n }],
  ['stroops as a number', { stroops: 1_000_000_000 }],
  ['marked uncounted', { counts: false }],
  ['counts as 1 (an engine that forgot to convert)', { counts: 1 }],
  ['moved to another user', { user_id: 'u2' }],
  ['moved to another ledger key', { asset: 'fee' }],
  ['moved back in time (out of the window)', { at: '2025-12-31T12:00:00.000Z' }],
  ['another request id', { request_id: 'r2#native' }],
  ['another transaction', { tx_hash: 'cd'.repeat(32) }],
  ['another account', { account_id: 'a2' }],
  ['an approval id planted', { approval_id: 'ap1' }],
  ['another day', { day: '2026-01-02' }],
]
const headChanges: [string, Partial<Record<keyof SpendingHeadRow, unknown>>][] = [
  ['a total lowered', { totals: { native: '0', fee: '200' } }],
  ['a key dropped', { totals: { native: '1500000000' } }],
  ['a total not decimal', { totals: { native: '1.5e9', fee: '200' } }],
  ['a total with a leading zero', { totals: { native: '01500000000', fee: '200' } }],
  ['line count changed', { lines: 2 }],
  ['moved to another user', { user_id: 'u2' }],
]

describe('tampered rows fail their MAC', () => {
  it.each(accountChanges)('account: %s', (_, change) => {
    expect(checkRow(KEYS, ACCOUNTS.name, ACCOUNTS.columns, { ...ACCOUNT, ...change }, ACCOUNT_MAC)).toBe(
      false,
    )
  })
  it.each(lineChanges)('ledger line: %s', (_, change) => {
    expect(
      checkRow(KEYS, SPENDING_LINES.name, SPENDING_LINES.columns, { ...LINE, ...change }, LINE_MAC),
    ).toBe(false)
  })
  it.each(headChanges)('ledger head: %s', (_, change) => {
    expect(
      checkRow(KEYS, SPENDING_HEADS.name, SPENDING_HEADS.columns, { ...HEAD, ...change }, HEAD_MAC),
    ).toBe(false)
  })

  const [tag] = ACCOUNT_MAC.split('.').slice(1)
  it.each([
    ['null (a row written around the signer)', null],
    ['empty', ''],
    ['unknown key id', `k000000000000.${tag}`],
    ['no key id', `.${tag}`],
    ['no separator', `${KEY_ID}${tag}`],
    ['truncated', ACCOUNT_MAC.slice(0, -1)],
    ['one character longer', `${ACCOUNT_MAC}A`],
    ['non-canonical base64url (last char)', `${ACCOUNT_MAC.slice(0, -1)}p`],
    ['standard base64 alphabet', ACCOUNT_MAC.replace('-', '+')],
    [
      'another row of the same table',
      macRow(KEYS, ACCOUNTS.name, ACCOUNTS.columns, { ...ACCOUNT, id: 'a2' }),
    ],
    ['under a key the signer does not hold', macRow(OTHER_KEYS, ACCOUNTS.name, ACCOUNTS.columns, ACCOUNT)],
    ['a number', 42],
  ])('MAC %s', (_, mac) => {
    expect(checkRow(KEYS, ACCOUNTS.name, ACCOUNTS.columns, ACCOUNT, mac)).toBe(false)
  })
  it('the good row still passes (the tables above are not failing for another reason)', () => {
    expect(checkRow(KEYS, ACCOUNTS.name, ACCOUNTS.columns, { ...ACCOUNT }, ACCOUNT_MAC)).toBe(true)
  })

  it('a row checked under another table fails (same columns, other name)', () => {
    const grant = { user_id: 'u1', code_hash: 'h', used_ms: null }
    const mac = macRow(KEYS, RECOVERY_CODES.name, RECOVERY_CODES.columns, grant)
    expect(checkRow(KEYS, 'user_recovery_grants', RECOVERY_CODES.columns, grant, mac)).toBe(false)
    expect(checkRow(KEYS, RECOVERY_CODES.name, RECOVERY_CODES.columns, grant, mac)).toBe(true)
  })
  it('a credential and an approval each reject a user swap', () => {
    const cred = {
      id: 'c1',
      user_id: 'u1',
      public_key: 'pk',
      counter: 3,
      uv: 1 as const,
      transports: '[]',
      created_at: 'x',
      last_used_at: null,
    }
    const sealed = sealRow(KEYS, CREDENTIALS, cred)
    expect(() => openRow(KEYS, CREDENTIALS, { ...sealed, user_id: 'u2' })).toThrow(StoreTamperedError)
    expect(() => openRow(KEYS, CREDENTIALS, { ...sealed, counter: 0 })).toThrow(StoreTamperedError)
    expect(openRow(KEYS, CREDENTIALS, sealed)).toEqual(cred)
    expect(APPROVALS.columns.map(([n]) => n)).toContain('user_id')
  })
  it('openRow returns only the table columns (nothing an engine adds rides along)', () => {
    const sealed = sealRow(KEYS, ACCOUNTS, ACCOUNT)
    expect(openRow(KEYS, ACCOUNTS, { ...sealed, extra: 'x' } as typeof sealed)).toEqual(ACCOUNT)
  })
  it('the tampered error names table and key, not the row', () => {
    const sealed = sealRow(KEYS, ACCOUNTS, ACCOUNT)
    try {
      openRow(KEYS, ACCOUNTS, { ...sealed, ciphertext: 'v1:k1:BBBB' })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(StoreTamperedError)
      expect(e).toMatchObject({ table: 'accounts', key: 'u1/a1' })
      expect(String(e)).not.toContain('BBBB')
    }
  })
})
