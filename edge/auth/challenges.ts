/**
 * One-time ceremony challenges in D1. A challenge is taken with DELETE … RETURNING, so it is gone after the
 * first verify attempt whatever its outcome (stops replay and parallel guessing), and it is refused after
 * its expiry on the injected clock. A challenge may commit to a binding (for example a transaction hash):
 * its bytes are random ‖ SHA-256(purpose ‖ binding), so the authenticator's signature covers the binding.
 */
import { base64url, fromBase64url, newId, randomBytes } from '../lib/crypto.ts'

export const CHALLENGE_TTL_MS = 5 * 60_000

export type ChallengePurpose = 'register' | 'login' | 'add-passkey' | 'reauth' | 'approve'

/** What a challenge row remembers besides its bytes. */
export type ChallengeData = {
  /** The session the ceremony belongs to (add-passkey, reauth, approve). */
  readonly sessionId: string | null
  /** Login options for an unknown email: nothing can ever satisfy it. */
  readonly decoy: boolean
  /** The user id a registration will create (register) — it is the WebAuthn user handle. */
  readonly newUserId: string | null
  /** Caller-defined facts (for example { txHash }) returned unchanged on verify. */
  readonly payload: Readonly<Record<string, string>>
}

export type Challenge = {
  readonly id: string
  readonly purpose: ChallengePurpose
  readonly challenge: string
  readonly userId: string | null
  readonly email: string | null
  readonly data: ChallengeData
  readonly expiresAt: number
}

type Row = {
  id: string
  purpose: ChallengePurpose
  challenge: string
  user_id: string | null
  email: string | null
  data: string
  expires_at: number
}

async function commitment(purpose: ChallengePurpose, binding: string): Promise<Uint8Array> {
  const bytes = new TextEncoder().encode(`tuxedo:${purpose}\n${binding}`)
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

/** Pure check for auditors: does this challenge commit to `binding` for `purpose`? */
export async function challengeCommitsTo(
  challenge: string,
  purpose: ChallengePurpose,
  binding: string,
): Promise<boolean> {
  const bytes = fromBase64url(challenge)
  if (bytes.length !== 48) return false
  return base64url(bytes.slice(16)) === base64url(await commitment(purpose, binding))
}

export async function createChallenge(
  db: D1Database,
  opts: {
    purpose: ChallengePurpose
    userId?: string | null
    email?: string | null
    data?: Partial<ChallengeData>
    binding?: string
    /** A challenge the signer issued (user.challenge): used as it is, so the signer can check the assertion too. */
    challenge?: string
    now: number
  },
): Promise<Challenge> {
  const bytes = new Uint8Array(48)
  bytes.set(randomBytes(16), 0)
  bytes.set(await commitment(opts.purpose, opts.binding ?? ''), 16)
  const value = opts.challenge ?? base64url(bytes)
  const data: ChallengeData = {
    sessionId: opts.data?.sessionId ?? null,
    decoy: opts.data?.decoy ?? false,
    newUserId: opts.data?.newUserId ?? null,
    payload: opts.data?.payload ?? {},
  }
  const challenge: Challenge = {
    id: newId('chl'),
    purpose: opts.purpose,
    challenge: value,
    userId: opts.userId ?? null,
    email: opts.email ?? null,
    data,
    expiresAt: opts.now + CHALLENGE_TTL_MS,
  }
  await db.batch([
    // Abandoned ceremonies are swept here so the table stays small without a cron.
    db.prepare('DELETE FROM auth_challenges WHERE expires_at <= ?').bind(opts.now),
    db
      .prepare(
        'INSERT INTO auth_challenges (id, purpose, challenge, user_id, email, data, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .bind(
        challenge.id,
        challenge.purpose,
        challenge.challenge,
        challenge.userId,
        challenge.email,
        JSON.stringify(data),
        challenge.expiresAt,
      ),
  ])
  return challenge
}

/**
 * Removes the challenge and returns it if it was made for `purpose` and is still live at `now`.
 * A wrong purpose or an expired challenge is consumed too: any use is its last.
 */
export async function takeChallenge(
  db: D1Database,
  id: string,
  purpose: ChallengePurpose,
  now: number,
): Promise<Challenge | undefined> {
  const row = await db
    .prepare(
      'DELETE FROM auth_challenges WHERE id = ? RETURNING id, purpose, challenge, user_id, email, data, expires_at',
    )
    .bind(id)
    .first<Row>()
  if (!row || row.purpose !== purpose || now >= row.expires_at) return undefined
  return {
    id: row.id,
    purpose: row.purpose,
    challenge: row.challenge,
    userId: row.user_id,
    email: row.email,
    data: JSON.parse(row.data) as ChallengeData,
    expiresAt: row.expires_at,
  }
}
