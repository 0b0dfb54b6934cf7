/**
 * The per-user advisory lock key: the first 8 bytes of SHA-256("tuxedo/signer/user-lock/v1\n" || userId),
 * read as a signed big-endian int64 (pg_advisory_xact_lock(bigint)). Every replica derives the same key, so
 * two transactions of one user never interleave anywhere. Two users whose keys collide (probability 2^-64
 * per pair) only serialise with each other: slower, never wrong.
 */
import { createHash } from 'node:crypto'

export function userLockKey(userId: string): bigint {
  const digest = createHash('sha256').update('tuxedo/signer/user-lock/v1\n').update(userId, 'utf8').digest()
  return digest.readBigInt64BE(0)
}
