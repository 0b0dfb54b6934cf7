/**
 * Account rows. Every query that reads or changes an account takes the user id and puts it in the WHERE
 * clause: another user's account is indistinguishable from a missing one.
 */
import type { Db } from './db.ts'

export type AccountRow = {
  readonly id: string
  readonly user_id: string
  readonly public_key: string
  readonly kind: 'user' | 'agent'
  readonly name: string | null
  readonly ciphertext: string
  readonly key_version: string
  readonly created_at: string
}

export type AccountStore = ReturnType<typeof createAccountStore>

export function createAccountStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO accounts (id, user_id, public_key, kind, name, ciphertext, key_version, created_at)
     VALUES (@id, @user_id, @public_key, @kind, @name, @ciphertext, @key_version, @created_at)`,
  )
  const byId = db.prepare<[string, string], AccountRow>('SELECT * FROM accounts WHERE user_id = ? AND id = ?')
  const byPublicKey = db.prepare<[string, string], { id: string }>(
    'SELECT id FROM accounts WHERE user_id = ? AND public_key = ?',
  )
  // No LIMIT: a listing returns every account the user has (the per-user quota bounds it), never a silently
  // truncated page that would hide an account from its owner.
  const list = db.prepare<[string], AccountRow>(
    'SELECT * FROM accounts WHERE user_id = ? ORDER BY created_at, id',
  )
  const count = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM accounts WHERE user_id = ?')
  const remove = db.prepare<[string, string]>('DELETE FROM accounts WHERE user_id = ? AND id = ?')
  return {
    insert: (row: AccountRow): void => {
      insert.run(row)
    },
    get: (userId: string, id: string): AccountRow | undefined => byId.get(userId, id),
    existsPublicKey: (userId: string, publicKey: string): boolean =>
      byPublicKey.get(userId, publicKey) !== undefined,
    list: (userId: string): AccountRow[] => list.all(userId),
    count: (userId: string): number => count.get(userId)?.n ?? 0,
    delete: (userId: string, id: string): boolean => remove.run(userId, id).changes === 1,
  }
}
