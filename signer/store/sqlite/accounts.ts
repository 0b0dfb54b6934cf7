/**
 * Account rows over SQLite. Every query that reads or changes one account takes the user id and puts it in
 * the WHERE clause: another user's account is indistinguishable from a missing one. Rows carry their MAC
 * (checked by sealed.ts, never here).
 */
import type { AccountRow, RawTx, Stored } from '../types.ts'
import type { Db } from './db.ts'

type Row = Stored<AccountRow>

/** SQLite's BINARY collation (UTF-8 bytes), so the order is exactly ORDER BY created_at, id's. */
const binary = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

function byCreation(rows: Row[]): Row[] {
  if (rows.length < 2) return rows
  return rows.sort((a, b) => binary(a.created_at, b.created_at) || binary(a.id, b.id))
}

export function accountRows(db: Db): RawTx['accounts'] {
  const insert = db.prepare(
    `INSERT INTO accounts (id, user_id, public_key, kind, name, ciphertext, key_version, created_at, mac)
     VALUES (@id, @user_id, @public_key, @kind, @name, @ciphertext, @key_version, @created_at, @mac)`,
  )
  const byId = db.prepare<[string, string], Row>('SELECT * FROM accounts WHERE user_id = ? AND id = ?')
  const byPublicKey = db.prepare<[string, string], Row>(
    'SELECT * FROM accounts WHERE user_id = ? AND public_key = ?',
  )
  // No LIMIT: a listing returns every account the user has (the per-user quota bounds it), never a silently
  // truncated page that would hide an account from its owner. Sorted here, not by ORDER BY: the index has no
  // `id`, so SQLite built a temporary B-tree on every call (~25 µs of every tx.sign, which lists for
  // ownAccounts), and a user mostly has one account, which needs no sort at all.
  const list = db.prepare<[string], Row>('SELECT * FROM accounts WHERE user_id = ?')
  const count = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM accounts WHERE user_id = ?')
  const remove = db.prepare<[string, string]>('DELETE FROM accounts WHERE user_id = ? AND id = ?')
  const notUnder = db.prepare<[string, string, number], Row>(
    'SELECT * FROM accounts WHERE key_version != ? AND id > ? ORDER BY id LIMIT ?',
  )
  const countNotUnder = db.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM accounts WHERE key_version != ?',
  )
  // Compare-and-swap on the ciphertext: a row the signer deleted or replaced meanwhile is left alone.
  const swap = db.prepare(
    `UPDATE accounts SET public_key = @public_key, kind = @kind, name = @name, ciphertext = @ciphertext,
            key_version = @key_version, created_at = @created_at, mac = @mac
      WHERE user_id = @userId AND id = @id AND ciphertext = @fromCiphertext`,
  )
  return {
    async insert(row) {
      insert.run(row)
    },
    get: async (userId, id) => byId.get(userId, id),
    byPublicKey: async (userId, publicKey) => byPublicKey.get(userId, publicKey),
    list: async (userId) => byCreation(list.all(userId)),
    count: async (userId) => count.get(userId)?.n ?? 0,
    delete: async (userId, id) => remove.run(userId, id).changes === 1,
    notUnder: async (keyVersion, afterId, limit) => notUnder.all(keyVersion, afterId, limit),
    countNotUnder: async (keyVersion) => countNotUnder.get(keyVersion)?.n ?? 0,
    swapCiphertext: async (userId, id, fromCiphertext, to) =>
      swap.run({ ...to, userId, id, fromCiphertext }).changes === 1,
  }
}
