/**
 * The sealed user rows: passkeys, challenges, recovery codes and grants. Threat this stops: a database
 * that plants a passkey for a victim (then "proves" as them), resets a used challenge or recovery code,
 * rolls a counter back to pass a cloned authenticator, or plants a recovery grant to add a passkey without
 * one. Every row is MAC-checked before it counts, and each conditional update writes the new row's MAC
 * through the engine's compare-and-set, so its semantics stay those of the old SQL (single use, counter
 * only forward, a grant taken once and only while live).
 */
import type { RowKeys } from './row-mac.ts'
import {
  CHALLENGES,
  CREDENTIALS,
  openRow,
  openRows,
  RECOVERY_CODES,
  RECOVERY_GRANTS,
  sealRow,
} from './row-tables.ts'
import { type RawTx, StoreTamperedError, StoreUnavailableError, type Tx } from './types.ts'

export function sealedUsers(raw: RawTx, keys: RowKeys): Tx['users'] {
  const u = raw.users

  /** A row an engine answered for (user, key) must be that row: MACs bind the columns, not the query. */
  function mustBe(table: string, key: string, ok: boolean): void {
    if (!ok) throw new StoreTamperedError(table, key)
  }

  async function credential(userId: string, id: string) {
    const stored = await u.credential(userId, id)
    if (!stored) return undefined
    const row = openRow(keys, CREDENTIALS, stored)
    mustBe(CREDENTIALS.name, CREDENTIALS.keyOf(row), row.user_id === userId && row.id === id)
    return row
  }

  async function codes(userId: string) {
    const rows = openRows(keys, RECOVERY_CODES, await u.recoveryCodes(userId))
    for (const r of rows) mustBe(RECOVERY_CODES.name, userId, r.user_id === userId)
    return rows
  }

  return {
    credential,
    credentialTaken: (id) => u.credentialTaken(id),
    async credentials(userId) {
      const rows = openRows(keys, CREDENTIALS, await u.credentials(userId))
      for (const r of rows) mustBe(CREDENTIALS.name, CREDENTIALS.keyOf(r), r.user_id === userId)
      return rows
    },
    addCredential: (row) => u.addCredential(sealRow(keys, CREDENTIALS, { ...row, last_used_at: null })),

    async recordUse(userId, id, counter, at) {
      const row = await credential(userId, id)
      if (!row) return
      // Only forward: a raced, lower counter cannot roll it back.
      const to = { ...row, counter: Math.max(row.counter, counter), last_used_at: at }
      if (!(await u.updateCredential(userId, id, row.counter, sealRow(keys, CREDENTIALS, to)))) {
        throw new StoreUnavailableError('a passkey counter changed under a concurrent writer')
      }
    },

    removeCredential: (userId, id) => u.removeCredential(userId, id),
    addChallenge: (row) => u.addChallenge(sealRow(keys, CHALLENGES, { ...row, used_ms: null })),

    async challenge(value) {
      const stored = await u.challenge(value)
      if (!stored) return undefined
      const row = openRow(keys, CHALLENGES, stored)
      mustBe(CHALLENGES.name, CHALLENGES.keyOf(row), row.challenge === value)
      return row
    },

    /** True for the one caller that used it: two parallel uses cannot both succeed. */
    async useChallenge(value, nowMs) {
      const stored = await u.challenge(value)
      if (!stored) return false
      const row = openRow(keys, CHALLENGES, stored)
      mustBe(CHALLENGES.name, CHALLENGES.keyOf(row), row.challenge === value)
      if (row.used_ms !== null) return false
      return u.useChallenge(value, sealRow(keys, CHALLENGES, { ...row, used_ms: nowMs }))
    },

    async addRecoveryCodes(userId, hashes) {
      for (const code_hash of hashes) {
        await u.addRecoveryCode(sealRow(keys, RECOVERY_CODES, { user_id: userId, code_hash, used_ms: null }))
      }
    },
    hasRecoveryCodes: async (userId) => (await codes(userId)).length > 0,

    async spendRecoveryCode(userId, hash, nowMs) {
      const stored = await u.recoveryCode(userId, hash)
      if (!stored) return false
      const row = openRow(keys, RECOVERY_CODES, stored)
      mustBe(RECOVERY_CODES.name, userId, row.user_id === userId && row.code_hash === hash)
      if (row.used_ms !== null) return false
      return u.spendRecoveryCode(sealRow(keys, RECOVERY_CODES, { ...row, used_ms: nowMs }))
    },
    recoveryCodesLeft: async (userId) => (await codes(userId)).filter((c) => c.used_ms === null).length,

    grantRecovery: (userId, expiresMs) =>
      u.putGrant(sealRow(keys, RECOVERY_GRANTS, { user_id: userId, expires_ms: expiresMs })),

    /** Consumes the user's live recovery grant, if any (an expired one is deleted and refused). */
    async takeRecoveryGrant(userId, nowMs) {
      const stored = await u.takeGrant(userId)
      if (!stored) return false
      const row = openRow(keys, RECOVERY_GRANTS, stored)
      mustBe(RECOVERY_GRANTS.name, userId, row.user_id === userId)
      return row.expires_ms > nowMs
    },
  }
}
