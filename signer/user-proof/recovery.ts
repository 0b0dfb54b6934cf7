/**
 * Recovery codes as the signer checks them: HMAC-SHA256 under a key derived from SERVER_SALT_SECRET, over
 * the user id and the normalized code. Threats this stops: an edge (or a copy of either database) minting
 * or reading codes — the signer keeps only these MACs, and a code is spent by one conditional UPDATE.
 */
import { createHmac } from 'node:crypto'

/** How long a redeemed code lets one passkey be added without an assertion. */
export const RECOVERY_GRANT_TTL_MS = 15 * 60_000

export function recoveryCodeMac(key: Uint8Array, userId: string, code: string): string {
  const normalized = code.toLowerCase().replace(/[\s-]/g, '')
  return createHmac('sha256', key)
    .update(`tuxedo:signer:recovery-code\n${userId}\n${normalized}`)
    .digest('hex')
}
