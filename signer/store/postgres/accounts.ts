/**
 * Accounts and idempotency records on PostgreSQL. Every account query takes the user id in its WHERE
 * clause: another user's account is indistinguishable from a missing one. Rotation's reads (`notUnder`)
 * are the one cross-user scan, keyed by id.
 */
import type { AccountRow, RawTx, RequestRow, Stored } from '../types.ts'
import { type Cells, int, oneOf, text, textOrNull } from './cells.ts'
import { all, changed, first, type Query } from './query.ts'

const ACCOUNT = 'id, user_id, public_key, kind, name, ciphertext, key_version, created_at, mac'
const KINDS = ['user', 'agent'] as const

const account = (r: Cells): Stored<AccountRow> => ({
  id: text(r, 'accounts', 'id'),
  user_id: text(r, 'accounts', 'user_id'),
  public_key: text(r, 'accounts', 'public_key'),
  kind: oneOf(r, 'accounts', 'kind', KINDS),
  name: textOrNull(r, 'accounts', 'name'),
  ciphertext: text(r, 'accounts', 'ciphertext'),
  key_version: text(r, 'accounts', 'key_version'),
  created_at: text(r, 'accounts', 'created_at'),
  mac: text(r, 'accounts', 'mac'),
})

export function accountsOn(q: Query): RawTx['accounts'] {
  return {
    async insert(row) {
      await q(`INSERT INTO accounts (${ACCOUNT}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        row.id,
        row.user_id,
        row.public_key,
        row.kind,
        row.name,
        row.ciphertext,
        row.key_version,
        row.created_at,
        row.mac,
      ])
    },
    get: (userId, id) =>
      first(q, `SELECT ${ACCOUNT} FROM accounts WHERE user_id = $1 AND id = $2`, [userId, id], account),
    byPublicKey: (userId, publicKey) =>
      first(
        q,
        `SELECT ${ACCOUNT} FROM accounts WHERE user_id = $1 AND public_key = $2`,
        [userId, publicKey],
        account,
      ),
    // No LIMIT: a listing returns every account the user has (the per-user quota bounds it).
    list: (userId) =>
      all(q, `SELECT ${ACCOUNT} FROM accounts WHERE user_id = $1 ORDER BY created_at, id`, [userId], account),
    count: async (userId) =>
      (await first(q, 'SELECT count(*) AS n FROM accounts WHERE user_id = $1', [userId], (r) =>
        int(r, 'accounts', 'n'),
      )) ?? 0,
    delete: (userId, id) => changed(q, 'DELETE FROM accounts WHERE user_id = $1 AND id = $2', [userId, id]),
    notUnder: (keyVersion, afterId, limit) =>
      all(
        q,
        `SELECT ${ACCOUNT} FROM accounts WHERE key_version <> $1 AND id > $2 ORDER BY id LIMIT $3`,
        [keyVersion, afterId, limit],
        account,
      ),
    countNotUnder: async (keyVersion) =>
      (await first(q, 'SELECT count(*) AS n FROM accounts WHERE key_version <> $1', [keyVersion], (r) =>
        int(r, 'accounts', 'n'),
      )) ?? 0,
    // Compare-and-swap: a row re-sealed (or deleted) by another writer meanwhile is left as it is.
    swapCiphertext: (userId, id, fromCiphertext, to) =>
      changed(
        q,
        `UPDATE accounts SET ciphertext = $1, key_version = $2, mac = $3
          WHERE user_id = $4 AND id = $5 AND ciphertext = $6`,
        [to.ciphertext, to.key_version, to.mac, userId, id, fromCiphertext],
      ),
  }
}

const REQUEST = 'request_id, fingerprint, status, response, created_ms, mac'

const request = (r: Cells): Stored<RequestRow> => ({
  request_id: text(r, 'requests', 'request_id'),
  fingerprint: text(r, 'requests', 'fingerprint'),
  status: int(r, 'requests', 'status'),
  response: textOrNull(r, 'requests', 'response'),
  created_ms: int(r, 'requests', 'created_ms'),
  mac: text(r, 'requests', 'mac'),
})

export function requestsOn(q: Query): RawTx['requests'] {
  return {
    get: (requestId) =>
      first(q, `SELECT ${REQUEST} FROM requests WHERE request_id = $1`, [requestId], request),
    // A requestId committed meanwhile by another user's transaction fails here (requests_pkey): the
    // engine retries the whole transaction, whose first read then finds the stored row.
    async insert(row) {
      await q(`INSERT INTO requests (${REQUEST}) VALUES ($1, $2, $3, $4, $5, $6)`, [
        row.request_id,
        row.fingerprint,
        row.status,
        row.response,
        row.created_ms,
        row.mac,
      ])
    },
  }
}
