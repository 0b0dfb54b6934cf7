/**
 * Recovery codes: 8 per user, 50 random bits each (10 base32 characters), shown once at registration.
 * Only HMAC(authSecret, user id ‖ code) is stored, so a database leak alone yields no usable code and
 * the same code for two users hashes differently. A code is spent by one conditional UPDATE, so two
 * parallel requests cannot both use it.
 */
import { hex, hmacSha256, newId, randomBytes } from '../lib/crypto.ts'

export const RECOVERY_CODE_COUNT = 8
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

/** A fresh code as shown to the user: xxxxx-xxxxx. */
export function newRecoveryCode(): string {
  // 32 symbols divide 256 evenly, so taking each byte mod 32 has no bias.
  const chars = Array.from(randomBytes(10), (b) => ALPHABET[b % 32] ?? 'a').join('')
  return `${chars.slice(0, 5)}-${chars.slice(5)}`
}

/** `code` in the normalized form of RecoveryCodeSchema (lower case, no separators). */
export async function recoveryCodeHash(authSecret: string, userId: string, code: string): Promise<string> {
  const normalized = code.toLowerCase().replace(/[\s-]/g, '')
  return hex(await hmacSha256(authSecret, `tuxedo:recovery-code\n${userId}\n${normalized}`))
}

/** Statements that store the hashes of `codes` for `userId` (run them in the caller's batch). */
export async function insertRecoveryCodes(
  db: D1Database,
  authSecret: string,
  userId: string,
  codes: readonly string[],
): Promise<D1PreparedStatement[]> {
  return Promise.all(
    codes.map(async (code) =>
      db
        .prepare('INSERT INTO recovery_codes (id, user_id, code_hash, used_at) VALUES (?, ?, ?, NULL)')
        .bind(newId('rc'), userId, await recoveryCodeHash(authSecret, userId, code)),
    ),
  )
}

/**
 * Spends the code if it is one of the user's unused codes. For an unknown email the caller passes a
 * user id that matches no row, so the work done (one HMAC, one UPDATE) is the same.
 */
export async function spendRecoveryCode(
  db: D1Database,
  authSecret: string,
  userId: string,
  code: string,
  now: number,
): Promise<boolean> {
  const hash = await recoveryCodeHash(authSecret, userId, code)
  const r = await db
    .prepare('UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL')
    .bind(now, userId, hash)
    .run()
  return (r.meta.changes ?? 0) === 1
}

export async function unusedRecoveryCodes(db: D1Database, userId: string): Promise<number> {
  const r = await db
    .prepare('SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL')
    .bind(userId)
    .first<{ n: number }>()
  return r?.n ?? 0
}
