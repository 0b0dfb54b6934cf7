/**
 * What the signer knows about a user on its own: their passkeys (public key, counter, UV at registration),
 * the challenges it issued them, their recovery-code HMACs and a short-lived recovery grant. Threats this
 * stops: an edge that lies about who the user is or what they agreed to — the signer checks proofs against
 * these rows, never against anything the edge stores. Every query takes the user id.
 */
import type { Db } from './db.ts'

export type CredentialRow = {
  readonly id: string
  readonly user_id: string
  readonly public_key: string
  readonly counter: number
  readonly uv: 0 | 1
  readonly transports: string
  readonly created_at: string
  readonly last_used_at: string | null
}

export type ChallengeRow = {
  readonly challenge: string
  readonly user_id: string
  readonly method: string
  readonly digest: string
  readonly expires_ms: number
  readonly used_ms: number | null
}

export type UserStore = ReturnType<typeof createUserStore>

/** Used challenges are kept this long after expiry, so a late replay is still named a replay. */
const KEEP_USED_MS = 60 * 60_000

export function createUserStore(db: Db) {
  const credential = db.prepare<[string, string], CredentialRow>(
    'SELECT * FROM user_credentials WHERE user_id = ? AND id = ?',
  )
  const credentialAnyUser = db.prepare<[string], { id: string }>(
    'SELECT id FROM user_credentials WHERE id = ?',
  )
  const credentials = db.prepare<[string], CredentialRow>(
    'SELECT * FROM user_credentials WHERE user_id = ? ORDER BY created_at, id',
  )
  const insertCredential = db.prepare(
    `INSERT INTO user_credentials (id, user_id, public_key, counter, uv, transports, created_at)
     VALUES (@id, @user_id, @public_key, @counter, @uv, @transports, @created_at)`,
  )
  // Only forward: a raced, lower counter cannot roll it back.
  const recordUse = db.prepare<[number, string, string, string]>(
    'UPDATE user_credentials SET counter = MAX(counter, ?), last_used_at = ? WHERE user_id = ? AND id = ?',
  )
  const removeCredential = db.prepare<[string, string]>(
    'DELETE FROM user_credentials WHERE user_id = ? AND id = ?',
  )
  const insertChallenge = db.prepare(
    `INSERT INTO user_challenges (challenge, user_id, method, digest, expires_ms, used_ms)
     VALUES (@challenge, @user_id, @method, @digest, @expires_ms, NULL)`,
  )
  const challenge = db.prepare<[string], ChallengeRow>('SELECT * FROM user_challenges WHERE challenge = ?')
  const useChallenge = db.prepare<[number, string]>(
    'UPDATE user_challenges SET used_ms = ? WHERE challenge = ? AND used_ms IS NULL',
  )
  const pruneChallenges = db.prepare<[number]>('DELETE FROM user_challenges WHERE expires_ms < ?')
  const insertCode = db.prepare<[string, string]>(
    'INSERT INTO user_recovery_codes (user_id, code_hash, used_ms) VALUES (?, ?, NULL)',
  )
  const spendCode = db.prepare<[number, string, string]>(
    'UPDATE user_recovery_codes SET used_ms = ? WHERE user_id = ? AND code_hash = ? AND used_ms IS NULL',
  )
  const codesLeft = db.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM user_recovery_codes WHERE user_id = ? AND used_ms IS NULL',
  )
  const anyCode = db.prepare<[string], { one: number }>(
    'SELECT 1 AS one FROM user_recovery_codes WHERE user_id = ? LIMIT 1',
  )
  const putGrant = db.prepare<[string, number]>(
    `INSERT INTO user_recovery_grants (user_id, expires_ms) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET expires_ms = excluded.expires_ms`,
  )
  const takeGrant = db.prepare<[string, number], { user_id: string }>(
    'DELETE FROM user_recovery_grants WHERE user_id = ? AND expires_ms > ? RETURNING user_id',
  )
  return {
    credential: (userId: string, id: string): CredentialRow | undefined => credential.get(userId, id),
    credentialTaken: (id: string): boolean => credentialAnyUser.get(id) !== undefined,
    credentials: (userId: string): CredentialRow[] => credentials.all(userId),
    addCredential: (row: Omit<CredentialRow, 'last_used_at'>): void => {
      insertCredential.run(row)
    },
    recordUse: (userId: string, id: string, counter: number, at: string): void => {
      recordUse.run(counter, at, userId, id)
    },
    removeCredential: (userId: string, id: string): boolean => removeCredential.run(userId, id).changes === 1,
    addChallenge: (row: Omit<ChallengeRow, 'used_ms'>): void => {
      insertChallenge.run(row)
    },
    challenge: (value: string): ChallengeRow | undefined => challenge.get(value),
    /** True for the one caller that used it: two parallel uses cannot both succeed. */
    useChallenge: (value: string, nowMs: number): boolean => useChallenge.run(nowMs, value).changes === 1,
    prune: (nowMs: number): void => {
      pruneChallenges.run(nowMs - KEEP_USED_MS)
    },
    addRecoveryCodes: (userId: string, hashes: readonly string[]): void => {
      for (const h of hashes) insertCode.run(userId, h)
    },
    hasRecoveryCodes: (userId: string): boolean => anyCode.get(userId) !== undefined,
    spendRecoveryCode: (userId: string, hash: string, nowMs: number): boolean =>
      spendCode.run(nowMs, userId, hash).changes === 1,
    recoveryCodesLeft: (userId: string): number => codesLeft.get(userId)?.n ?? 0,
    grantRecovery: (userId: string, expiresMs: number): void => {
      putGrant.run(userId, expiresMs)
    },
    /** Consumes the user's live recovery grant, if any. */
    takeRecoveryGrant: (userId: string, nowMs: number): boolean => takeGrant.get(userId, nowMs) !== undefined,
  }
}
