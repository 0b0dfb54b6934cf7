/**
 * Per-user policy overrides (stricter-only: the merge in config.ts enforces it), stored as validated JSON
 * through the sealed store (the row is MAC-checked there).
 */
import type { Tx } from '../store/types.ts'
import { type UserPolicy, UserPolicySchema } from './config.ts'

export async function readUserPolicy(tx: Tx, userId: string): Promise<UserPolicy | undefined> {
  const json = await tx.userPolicies.get(userId)
  if (json === undefined) return undefined
  // Parsed again on read; a malformed row fails the request (closed) rather than falling back to the
  // looser deployment defaults.
  return UserPolicySchema.parse(JSON.parse(json))
}

export function writeUserPolicy(tx: Tx, userId: string, policy: UserPolicy, at: string): Promise<void> {
  return tx.userPolicies.put(userId, JSON.stringify(policy), at)
}
