/**
 * Every MAC'd table: its name in the MAC input and every column with its type, in the order the MAC encodes
 * them. Each spec is typed against the row type, so a column added to a row type and forgotten here (left
 * out of the MAC, hence editable) does not compile. Reordering or renaming changes every MAC: the
 * known-answer vectors in test/signer/row-mac.test.ts pin them.
 */
import { type Columns, type ColumnType, checkRow, macRow, type RowKeys } from './row-mac.ts'
import {
  type AccountRow,
  type ApprovalRow,
  type ChallengeRow,
  type CredentialRow,
  type Mac,
  type RecoveryCodeRow,
  type RecoveryGrantRow,
  type RequestRow,
  type SpendingHeadRow,
  type SpendingLineRow,
  type Stored,
  StoreTamperedError,
  type UserPolicyRow,
} from './types.ts'

export type Table<T> = {
  readonly name: string
  readonly columns: Columns
  /** What StoreTamperedError names: enough to find the row, never a secret or a challenge. */
  keyOf(row: T): string
}

function table<T>(
  name: string,
  spec: { readonly [K in keyof Required<T>]: ColumnType },
  keyOf: (row: T) => string,
): Table<T> {
  return { name, columns: Object.entries(spec) as [string, ColumnType][], keyOf }
}

export const ACCOUNTS = table<AccountRow>(
  'accounts',
  {
    id: 'text',
    user_id: 'text',
    public_key: 'text',
    kind: 'text',
    name: 'text?',
    ciphertext: 'text',
    key_version: 'text',
    created_at: 'text',
  },
  (r) => `${r.user_id}/${r.id}`,
)

export const REQUESTS = table<RequestRow>(
  'requests',
  { request_id: 'text', fingerprint: 'text', status: 'int', response: 'text?', created_ms: 'int' },
  (r) => r.request_id,
)

export const SPENDING_LINES = table<SpendingLineRow>(
  'spending',
  {
    request_id: 'text',
    user_id: 'text',
    account_id: 'text',
    day: 'text',
    asset: 'text',
    stroops: 'bigint',
    tx_hash: 'text',
    approval_id: 'text?',
    at: 'text',
    counts: 'bool',
    cum: 'bigint',
  },
  (r) => `${r.user_id}/${r.request_id}`,
)

export const SPENDING_HEADS = table<SpendingHeadRow>(
  'spending_heads',
  { user_id: 'text', totals: 'totals', lines: 'int' },
  (r) => r.user_id,
)

export const APPROVALS = table<ApprovalRow>(
  'approvals',
  {
    id: 'text',
    user_id: 'text',
    account_id: 'text',
    tx_hash: 'text',
    xdr: 'text',
    amounts: 'text',
    reason: 'text',
    preview: 'text?',
    status: 'text',
    counts_daily: 'int',
    created_ms: 'int',
    expires_ms: 'int',
    decided_ms: 'int?',
    used_ms: 'int?',
  },
  (r) => `${r.user_id}/${r.id}`,
)

export const USER_POLICIES = table<UserPolicyRow>(
  'user_policies',
  { user_id: 'text', policy: 'text', updated_at: 'text' },
  (r) => r.user_id,
)

export const CREDENTIALS = table<CredentialRow>(
  'user_credentials',
  {
    id: 'text',
    user_id: 'text',
    public_key: 'text',
    counter: 'int',
    uv: 'int',
    transports: 'text',
    created_at: 'text',
    last_used_at: 'text?',
  },
  (r) => `${r.user_id}/${r.id}`,
)

export const CHALLENGES = table<ChallengeRow>(
  'user_challenges',
  { challenge: 'text', user_id: 'text', method: 'text', digest: 'text', expires_ms: 'int', used_ms: 'int?' },
  (r) => `${r.user_id}/${r.method}`,
)

export const RECOVERY_CODES = table<RecoveryCodeRow>(
  'user_recovery_codes',
  { user_id: 'text', code_hash: 'text', used_ms: 'int?' },
  (r) => r.user_id,
)

export const RECOVERY_GRANTS = table<RecoveryGrantRow>(
  'user_recovery_grants',
  { user_id: 'text', expires_ms: 'int' },
  (r) => r.user_id,
)

/** The row with its MAC under the sealing key (only the table's own columns are copied). */
export function sealRow<T extends object>(keys: RowKeys, t: Table<T>, row: T): Stored<T> {
  return { ...pick(t, row), mac: macRow(keys, t.name, t.columns, row) }
}

function pick<T extends object>(t: Table<T>, row: T): T {
  const values = row as unknown as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [name] of t.columns) out[name] = values[name]
  return out as T
}

/**
 * The row without its MAC, after checking it; throws StoreTamperedError when it fails. Only the table's
 * columns are returned, so nothing an engine added beside them reaches a decision unauthenticated.
 */
export function openRow<T extends object>(keys: RowKeys, t: Table<T>, stored: T & { readonly mac: Mac }): T {
  if (!checkRow(keys, t.name, t.columns, stored, stored.mac)) {
    throw new StoreTamperedError(t.name, safeKey(t, stored))
  }
  return pick(t, stored)
}

function safeKey<T>(t: Table<T>, row: T): string {
  try {
    return t.keyOf(row)
  } catch {
    return '?'
  }
}

/** Opens every row of a listing: one bad row fails the whole read (a listing is not a place to hide one). */
export function openRows<T extends object>(
  keys: RowKeys,
  t: Table<T>,
  rows: readonly (T & { readonly mac: Mac })[],
): T[] {
  return rows.map((r) => openRow(keys, t, r))
}
