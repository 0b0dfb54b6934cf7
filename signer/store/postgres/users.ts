/**
 * What the signer knows about a user on its own, on PostgreSQL: passkeys, the challenges it issued,
 * recovery-code HMACs, a short-lived recovery grant. Every "use once" write is conditional (counter still
 * the one read, used_ms still null, the grant deleted by the one taker), so two replicas racing on the
 * same proof cannot both succeed.
 */
import type {
  ChallengeRow,
  CredentialRow,
  RawTx,
  RecoveryCodeRow,
  RecoveryGrantRow,
  Stored,
} from '../types.ts'
import { type Cells, flag, int, intOrNull, text, textOrNull } from './cells.ts'
import { all, changed, first, type Query } from './query.ts'

const CREDENTIAL = 'id, user_id, public_key, counter, uv, transports, created_at, last_used_at, mac'
const CHALLENGE = 'challenge, user_id, method, digest, expires_ms, used_ms, mac'
const CODE = 'user_id, code_hash, used_ms, mac'

const credential = (r: Cells): Stored<CredentialRow> => ({
  id: text(r, 'user_credentials', 'id'),
  user_id: text(r, 'user_credentials', 'user_id'),
  public_key: text(r, 'user_credentials', 'public_key'),
  counter: int(r, 'user_credentials', 'counter'),
  uv: flag(r, 'user_credentials', 'uv'),
  transports: text(r, 'user_credentials', 'transports'),
  created_at: text(r, 'user_credentials', 'created_at'),
  last_used_at: textOrNull(r, 'user_credentials', 'last_used_at'),
  mac: text(r, 'user_credentials', 'mac'),
})

const challenge = (r: Cells): Stored<ChallengeRow> => ({
  challenge: text(r, 'user_challenges', 'challenge'),
  user_id: text(r, 'user_challenges', 'user_id'),
  method: text(r, 'user_challenges', 'method'),
  digest: text(r, 'user_challenges', 'digest'),
  expires_ms: int(r, 'user_challenges', 'expires_ms'),
  used_ms: intOrNull(r, 'user_challenges', 'used_ms'),
  mac: text(r, 'user_challenges', 'mac'),
})

const code = (r: Cells): Stored<RecoveryCodeRow> => ({
  user_id: text(r, 'user_recovery_codes', 'user_id'),
  code_hash: text(r, 'user_recovery_codes', 'code_hash'),
  used_ms: intOrNull(r, 'user_recovery_codes', 'used_ms'),
  mac: text(r, 'user_recovery_codes', 'mac'),
})

const grant = (r: Cells): Stored<RecoveryGrantRow> => ({
  user_id: text(r, 'user_recovery_grants', 'user_id'),
  expires_ms: int(r, 'user_recovery_grants', 'expires_ms'),
  mac: text(r, 'user_recovery_grants', 'mac'),
})

export function usersOn(q: Query): RawTx['users'] {
  return {
    credential: (userId, id) =>
      first(
        q,
        `SELECT ${CREDENTIAL} FROM user_credentials WHERE user_id = $1 AND id = $2`,
        [userId, id],
        credential,
      ),
    // Any user: a credential id belongs to one user, ever.
    credentialTaken: async (id) =>
      (await q('SELECT 1 FROM user_credentials WHERE id = $1', [id])).rows.length > 0,
    credentials: (userId) =>
      all(
        q,
        `SELECT ${CREDENTIAL} FROM user_credentials WHERE user_id = $1 ORDER BY created_at, id`,
        [userId],
        credential,
      ),
    async addCredential(c) {
      await q(`INSERT INTO user_credentials (${CREDENTIAL}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        c.id,
        c.user_id,
        c.public_key,
        c.counter,
        c.uv,
        c.transports,
        c.created_at,
        c.last_used_at,
        c.mac,
      ])
    },
    updateCredential: (userId, id, fromCounter, to) =>
      changed(
        q,
        `UPDATE user_credentials SET counter = $1, last_used_at = $2, mac = $3
          WHERE user_id = $4 AND id = $5 AND counter = $6`,
        [to.counter, to.last_used_at, to.mac, userId, id, fromCounter],
      ),
    removeCredential: (userId, id) =>
      changed(q, 'DELETE FROM user_credentials WHERE user_id = $1 AND id = $2', [userId, id]),
    async addChallenge(c) {
      await q(`INSERT INTO user_challenges (${CHALLENGE}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        c.challenge,
        c.user_id,
        c.method,
        c.digest,
        c.expires_ms,
        c.used_ms,
        c.mac,
      ])
    },
    challenge: (value) =>
      first(q, `SELECT ${CHALLENGE} FROM user_challenges WHERE challenge = $1`, [value], challenge),
    useChallenge: (value, to) =>
      changed(
        q,
        'UPDATE user_challenges SET used_ms = $1, mac = $2 WHERE challenge = $3 AND used_ms IS NULL',
        [to.used_ms, to.mac, value],
      ),
    async addRecoveryCode(c) {
      await q(`INSERT INTO user_recovery_codes (${CODE}) VALUES ($1, $2, $3, $4)`, [
        c.user_id,
        c.code_hash,
        c.used_ms,
        c.mac,
      ])
    },
    recoveryCode: (userId, hash) =>
      first(
        q,
        `SELECT ${CODE} FROM user_recovery_codes WHERE user_id = $1 AND code_hash = $2`,
        [userId, hash],
        code,
      ),
    recoveryCodes: (userId) =>
      all(q, `SELECT ${CODE} FROM user_recovery_codes WHERE user_id = $1 ORDER BY code_hash`, [userId], code),
    spendRecoveryCode: (to) =>
      changed(
        q,
        `UPDATE user_recovery_codes SET used_ms = $1, mac = $2
          WHERE user_id = $3 AND code_hash = $4 AND used_ms IS NULL`,
        [to.used_ms, to.mac, to.user_id, to.code_hash],
      ),
    async putGrant(g) {
      await q(
        `INSERT INTO user_recovery_grants (user_id, expires_ms, mac) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET expires_ms = excluded.expires_ms, mac = excluded.mac`,
        [g.user_id, g.expires_ms, g.mac],
      )
    },
    takeGrant: (userId) =>
      first(
        q,
        'DELETE FROM user_recovery_grants WHERE user_id = $1 RETURNING user_id, expires_ms, mac',
        [userId],
        grant,
      ),
  }
}
