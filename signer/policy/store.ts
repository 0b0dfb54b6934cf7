/** Per-user policy overrides (stricter-only: the merge in config.ts enforces it), stored as validated JSON. */
import type { Db } from '../keystore/db.ts'
import { type UserPolicy, UserPolicySchema } from './config.ts'

export type UserPolicyStore = ReturnType<typeof createUserPolicyStore>

export function createUserPolicyStore(db: Db) {
  const get = db.prepare<[string], { policy: string }>('SELECT policy FROM user_policies WHERE user_id = ?')
  const put = db.prepare(
    `INSERT INTO user_policies (user_id, policy, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
  )
  return {
    get(userId: string): UserPolicy | undefined {
      const row = get.get(userId)
      if (!row) return undefined
      // Parsed again on read; a malformed row fails the request (closed) rather than falling back to the
      // looser deployment defaults.
      return UserPolicySchema.parse(JSON.parse(row.policy))
    },
    put(userId: string, policy: UserPolicy, at: string): void {
      put.run(userId, JSON.stringify(policy), at)
    },
  }
}
