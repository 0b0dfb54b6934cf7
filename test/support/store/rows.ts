/**
 * Rows for engine tests, one builder per table, each with a stand-in MAC (engines store and return the
 * MAC as text; they never compute or check it: that is sealed.ts's job).
 */
import type {
  AccountRow,
  ApprovalRow,
  AuditFields,
  ChallengeRow,
  CredentialRow,
  RecoveryCodeRow,
  RecoveryGrantRow,
  RequestRow,
  SpendingHeadRow,
  SpendingLineRow,
  Stored,
  UserPolicyRow,
} from '../../../signer/store/types.ts'

let n = 0
/** Unique per call within a test file: tests share one database. */
export const uniq = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(n++).toString(36)}`

export const mac = (tag: string) => `k1.${Buffer.from(tag).toString('base64url')}`

export const account = (userId: string, o: Partial<Stored<AccountRow>> = {}): Stored<AccountRow> => ({
  id: uniq('acc'),
  user_id: userId,
  public_key: uniq('G'),
  kind: 'agent',
  name: null,
  ciphertext: 'v1.ct',
  key_version: 'v1',
  created_at: '2026-12-01T12:00:00.000Z',
  mac: mac('account'),
  ...o,
})

export const request = (o: Partial<Stored<RequestRow>> = {}): Stored<RequestRow> => ({
  request_id: uniq('req'),
  fingerprint: 'fp',
  status: 200,
  response: '{"ok":true}',
  created_ms: 1_764_590_400_000,
  mac: mac('request'),
  ...o,
})

export const auditFields = (userId: string, o: Partial<AuditFields> = {}): AuditFields => ({
  at: '2026-12-01T12:00:00.000Z',
  request_id: uniq('req'),
  method: 'tx.sign',
  user_id: userId,
  account_id: null,
  tx_hash: null,
  decision: 'allow',
  reason_code: null,
  reason: null,
  ...o,
})

export const line = (userId: string, o: Partial<Stored<SpendingLineRow>> = {}): Stored<SpendingLineRow> => ({
  request_id: uniq('req'),
  user_id: userId,
  account_id: 'acc',
  day: '2026-12-01',
  asset: 'native',
  stroops: 10n,
  tx_hash: uniq('hash'),
  approval_id: null,
  at: '2026-12-01T12:00:00.000Z',
  counts: true,
  cum: 10n,
  mac: mac('line'),
  ...o,
})

export const head = (userId: string, o: Partial<Stored<SpendingHeadRow>> = {}): Stored<SpendingHeadRow> => ({
  user_id: userId,
  totals: {},
  lines: 0,
  mac: mac('head'),
  ...o,
})

export const approval = (userId: string, o: Partial<Stored<ApprovalRow>> = {}): Stored<ApprovalRow> => ({
  id: uniq('apr'),
  user_id: userId,
  account_id: 'acc',
  tx_hash: uniq('hash'),
  xdr: 'AAAA',
  amounts: '{"native":"1"}',
  reason: 'above threshold',
  preview: null,
  status: 'pending',
  counts_daily: 1,
  created_ms: 1_764_590_400_000,
  expires_ms: 1_764_594_000_000,
  decided_ms: null,
  used_ms: null,
  mac: mac('approval'),
  ...o,
})

export const policy = (userId: string, policyJson: string): Stored<UserPolicyRow> => ({
  user_id: userId,
  policy: policyJson,
  updated_at: '2026-12-01T12:00:00.000Z',
  mac: mac('policy'),
})

export const credential = (
  userId: string,
  o: Partial<Stored<CredentialRow>> = {},
): Stored<CredentialRow> => ({
  id: uniq('cred'),
  user_id: userId,
  public_key: 'pQECAyYgASFY',
  counter: 5,
  uv: 1,
  transports: '["internal"]',
  created_at: '2026-12-01T12:00:00.000Z',
  last_used_at: null,
  mac: mac('credential'),
  ...o,
})

export const challenge = (userId: string, o: Partial<Stored<ChallengeRow>> = {}): Stored<ChallengeRow> => ({
  challenge: uniq('chal'),
  user_id: userId,
  method: 'approvals.approve',
  digest: 'd1',
  expires_ms: 1_764_590_700_000,
  used_ms: null,
  mac: mac('challenge'),
  ...o,
})

export const recoveryCode = (
  userId: string,
  o: Partial<Stored<RecoveryCodeRow>> = {},
): Stored<RecoveryCodeRow> => ({
  user_id: userId,
  code_hash: uniq('code'),
  used_ms: null,
  mac: mac('code'),
  ...o,
})

export const grant = (
  userId: string,
  o: Partial<Stored<RecoveryGrantRow>> = {},
): Stored<RecoveryGrantRow> => ({
  user_id: userId,
  expires_ms: 1_764_590_700_000,
  mac: mac('grant'),
  ...o,
})
