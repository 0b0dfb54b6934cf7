/**
 * What the signer knows about a user on its own, over SQLite: passkeys, the challenges it issued, recovery
 * code HMACs and the short-lived recovery grant. Every user-scoped query takes the user id; conditional
 * writes (counter, challenge, recovery code) hold only while the row is still what the caller read.
 */
import type {
  ChallengeRow,
  CredentialRow,
  RawTx,
  RecoveryCodeRow,
  RecoveryGrantRow,
  Stored,
} from '../types.ts'
import type { Db } from './db.ts'

/** Used challenges are kept this long after expiry, so a late replay is still named a replay. */
const KEEP_USED_MS = 60 * 60_000

export function userRows(db: Db): RawTx['users'] {
  const credential = db.prepare<[string, string], Stored<CredentialRow>>(
    'SELECT * FROM user_credentials WHERE user_id = ? AND id = ?',
  )
  const credentialAnyUser = db.prepare<[string], { one: number }>(
    'SELECT 1 AS one FROM user_credentials WHERE id = ?',
  )
  const credentials = db.prepare<[string], Stored<CredentialRow>>(
    'SELECT * FROM user_credentials WHERE user_id = ? ORDER BY created_at, id',
  )
  const insertCredential = db.prepare(
    `INSERT INTO user_credentials (id, user_id, public_key, counter, uv, transports, created_at, last_used_at, mac)
     VALUES (@id, @user_id, @public_key, @counter, @uv, @transports, @created_at, @last_used_at, @mac)`,
  )
  const updateCredential = db.prepare(
    `UPDATE user_credentials SET public_key = @public_key, counter = @counter, uv = @uv,
            transports = @transports, created_at = @created_at, last_used_at = @last_used_at, mac = @mac
      WHERE user_id = @whereUser AND id = @whereId AND counter = @fromCounter`,
  )
  const removeCredential = db.prepare<[string, string]>(
    'DELETE FROM user_credentials WHERE user_id = ? AND id = ?',
  )
  const insertChallenge = db.prepare(
    `INSERT INTO user_challenges (challenge, user_id, method, digest, expires_ms, used_ms, mac)
     VALUES (@challenge, @user_id, @method, @digest, @expires_ms, @used_ms, @mac)`,
  )
  const challenge = db.prepare<[string], Stored<ChallengeRow>>(
    'SELECT * FROM user_challenges WHERE challenge = ?',
  )
  const useChallenge = db.prepare(
    `UPDATE user_challenges SET user_id = @user_id, method = @method, digest = @digest,
            expires_ms = @expires_ms, used_ms = @used_ms, mac = @mac
      WHERE challenge = @challenge AND used_ms IS NULL`,
  )
  const insertCode = db.prepare(
    `INSERT INTO user_recovery_codes (user_id, code_hash, used_ms, mac)
     VALUES (@user_id, @code_hash, @used_ms, @mac)`,
  )
  const code = db.prepare<[string, string], Stored<RecoveryCodeRow>>(
    'SELECT * FROM user_recovery_codes WHERE user_id = ? AND code_hash = ?',
  )
  const codes = db.prepare<[string], Stored<RecoveryCodeRow>>(
    'SELECT * FROM user_recovery_codes WHERE user_id = ? ORDER BY code_hash',
  )
  const spendCode = db.prepare(
    `UPDATE user_recovery_codes SET used_ms = @used_ms, mac = @mac
      WHERE user_id = @user_id AND code_hash = @code_hash AND used_ms IS NULL`,
  )
  const putGrant = db.prepare(
    `INSERT INTO user_recovery_grants (user_id, expires_ms, mac) VALUES (@user_id, @expires_ms, @mac)
     ON CONFLICT (user_id) DO UPDATE SET expires_ms = excluded.expires_ms, mac = excluded.mac`,
  )
  const takeGrant = db.prepare<[string], Stored<RecoveryGrantRow>>(
    'DELETE FROM user_recovery_grants WHERE user_id = ? RETURNING *',
  )
  return {
    credential: async (userId, id) => credential.get(userId, id),
    credentialTaken: async (id) => credentialAnyUser.get(id) !== undefined,
    credentials: async (userId) => credentials.all(userId),
    async addCredential(row) {
      insertCredential.run(row)
    },
    updateCredential: async (userId, id, fromCounter, to) =>
      updateCredential.run({ ...to, whereUser: userId, whereId: id, fromCounter }).changes === 1,
    removeCredential: async (userId, id) => removeCredential.run(userId, id).changes === 1,
    async addChallenge(row) {
      insertChallenge.run(row)
    },
    challenge: async (value) => challenge.get(value),
    // Keyed by the challenge itself: `to` names it, and `value` must be the same one.
    useChallenge: async (value, to) => to.challenge === value && useChallenge.run(to).changes === 1,
    async addRecoveryCode(row) {
      insertCode.run(row)
    },
    recoveryCode: async (userId, hash) => code.get(userId, hash),
    recoveryCodes: async (userId) => codes.all(userId),
    spendRecoveryCode: async (to) => spendCode.run(to).changes === 1,
    async putGrant(row) {
      putGrant.run(row)
    },
    takeGrant: async (userId) => takeGrant.get(userId),
  }
}

export function pruneChallenges(db: Db): (nowMs: number) => void {
  const prune = db.prepare<[number]>('DELETE FROM user_challenges WHERE expires_ms < ?')
  return (nowMs) => {
    prune.run(nowMs - KEEP_USED_MS)
  }
}
