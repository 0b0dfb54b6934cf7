/**
 * Passkey auth: registration and login ceremonies, sessions, the passkey list, recovery codes and
 * re-authentication. Ceremonies are rate limited per IP (per user when signed in) and fail closed: they
 * are where credential stuffing and enumeration would happen. Answers never reveal whether an email has
 * an account: register options look the same, login options for an unknown email carry a stable decoy
 * credential, and every failed ceremony is the same ERR_AUTH_INVALID.
 *
 * The signer keeps its own copy of each user's passkeys and recovery-code hashes and checks them itself:
 * registration hands it the first passkey and the codes (users.register), adding and removing a passkey go
 * through it (passkeys.add / passkeys.remove, with the user's proof), and a recovery code must satisfy it
 * too (recovery.redeem), which then revokes the user's other sessions here.
 */
import { type Context, Hono } from 'hono'
import { AppError } from '../../shared/errors.ts'
import { ReauthOptionsBodySchema, UserProofBodySchema } from '../../shared/schemas/api.ts'
import {
  AddPasskeyVerifyBodySchema,
  AssertionVerifyBodySchema,
  LoginOptionsBodySchema,
  PasskeyIdParamSchema,
  RecoveryVerifyBodySchema,
  RegisterOptionsBodySchema,
  RegisterVerifyBodySchema,
} from '../../shared/schemas/auth.ts'
import {
  createAssertionChallenge,
  invalid,
  registrationOptions,
  verifyAssertion,
  verifyRegistration,
} from '../auth/ceremonies.ts'
import { takeChallenge } from '../auth/challenges.ts'
import {
  credentialsOf,
  decoyCredential,
  findUser,
  findUserByEmail,
  insertPasskey,
  listPasskeys,
  removePasskey,
  type User,
} from '../auth/passkeys.ts'
import {
  insertRecoveryCodes,
  newRecoveryCode,
  RECOVERY_CODE_COUNT,
  spendRecoveryCode,
  unusedRecoveryCodes,
} from '../auth/recovery-codes.ts'
import {
  createSession,
  markReauth,
  revokeAllSessions,
  revokeSession,
  SESSION_IDLE_MS,
  sessionById,
  sessionCookie,
} from '../auth/sessions.ts'
import { hex, hmacSha256, newId } from '../lib/crypto.ts'
import { checkLimit, rateLimit } from '../middleware/rate-limit.ts'
import { callerOf, requireFreshAuth, requireFreshOrRecovery, requireUser } from '../middleware/session.ts'
import type { AppEnv } from '../types.ts'
import { optionalJson, validate } from '../validation.ts'

const ceremony = rateLimit(['auth'], { failClosed: true })
/** Reading your own session or passkeys, and signing out, must keep working if Redis is down. */
const read = rateLimit(['read'], { failClosed: false })

/** A D1 UNIQUE failure: the email or the credential id is already registered. */
const isConflict = (e: unknown) => e instanceof Error && /UNIQUE constraint failed/i.test(e.message)

/** Starts a session and hands the token over twice: HttpOnly cookie for browsers, body for API clients. */
async function signIn(c: Context<AppEnv>, user: User, opts: { reauth: boolean; passkeyId?: string }) {
  const { token } = await createSession(c.env.DB, user.id, c.var.now(), opts)
  c.header('Set-Cookie', sessionCookie(token))
  c.header('Cache-Control', 'no-store')
  return { user: { id: user.id, email: user.email }, sessionToken: token }
}

export const auth = new Hono<AppEnv>()
  // Registration: the options never depend on whether the email exists (no lookup at all here).
  .post('/passkey/register/options', ceremony, validate('json', RegisterOptionsBodySchema), async (c) => {
    const { email } = c.req.valid('json')
    const user = { id: newId('usr'), email }
    return c.json(
      await registrationOptions(c.env.DB, c.var.config, {
        purpose: 'register',
        user,
        exclude: [],
        sessionId: null,
        now: c.var.now(),
      }),
    )
  })
  .post('/passkey/register/verify', ceremony, validate('json', RegisterVerifyBodySchema), async (c) => {
    const { challengeId, response } = c.req.valid('json')
    const { DB: db } = c.env
    const config = c.var.config
    const now = c.var.now()
    const challenge = await takeChallenge(db, challengeId, 'register', now)
    const userId = challenge?.data.newUserId
    if (!challenge || !userId || !challenge.email) throw invalid('challenge missing, used or expired')
    const user = { id: userId, email: challenge.email }
    const passkey = await verifyRegistration(config, challenge, response, { userId, name: 'Passkey', now })
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode)
    // The signer first: a user exists here only once the signer can check their passkey and codes itself.
    await c.var.services.signer('users.register', user.id, {
      credential: response,
      recoveryCodes: codes.map((code) => code.replace('-', '')),
    })
    try {
      // One transaction: a user never exists without their passkey and recovery codes.
      await db.batch([
        db
          .prepare('INSERT INTO users (id, email, created_at) VALUES (?, ?, ?)')
          .bind(user.id, user.email, now),
        insertPasskey(db, passkey),
        ...(await insertRecoveryCodes(db, config.authSecret, user.id, codes)),
      ])
    } catch (e) {
      // Same answer as a bad attestation: registering must not confirm that an email has an account.
      if (isConflict(e)) throw invalid('email or credential already registered')
      throw e
    }
    return c.json(
      { ...(await signIn(c, user, { reauth: true, passkeyId: passkey.id })), recoveryCodes: codes },
      201,
    )
  })

  // Login by email (allowCredentials) or by discoverable credential (no email).
  .post('/passkey/login/options', ceremony, validate('json', LoginOptionsBodySchema), async (c) => {
    const { email } = c.req.valid('json')
    const { DB: db } = c.env
    const config = c.var.config
    const user = email === undefined ? undefined : await findUserByEmail(db, email)
    // Known and unknown emails do the same work (one lookup, one HMAC) so timing does not tell them apart.
    const [own, decoy] = await Promise.all([
      credentialsOf(db, user?.id ?? ''),
      decoyCredential(config.authSecret, email ?? ''),
    ])
    const allow = user ? own : email !== undefined ? [decoy] : []
    return c.json(
      await createAssertionChallenge(db, config, {
        purpose: 'login',
        userId: user?.id ?? null,
        allow,
        decoy: email !== undefined && !user,
        now: c.var.now(),
      }),
    )
  })
  .post('/passkey/login/verify', ceremony, validate('json', AssertionVerifyBodySchema), async (c) => {
    const { challengeId, response } = c.req.valid('json')
    const { userId, credentialId } = await verifyAssertion(c.env.DB, c.var.config, {
      challengeId,
      purpose: 'login',
      response,
      now: c.var.now(),
    })
    const user = await findUser(c.env.DB, userId)
    if (!user) throw invalid('credential owner vanished')
    return c.json(await signIn(c, user, { reauth: true, passkeyId: credentialId }))
  })

  // Sessions.
  .post('/logout', read, async (c) => {
    // Idempotent: clearing the cookie is right even when the session is already gone.
    const caller = c.var.caller
    if (caller) await revokeSession(c.env.DB, caller.sessionId)
    c.header('Set-Cookie', sessionCookie(undefined))
    return c.json({ revoked: caller ? 1 : 0 })
  })
  .post('/logout-all', read, requireUser(), async (c) => {
    const revoked = await revokeAllSessions(c.env.DB, callerOf(c).userId)
    c.header('Set-Cookie', sessionCookie(undefined))
    return c.json({ revoked })
  })
  .get('/session', read, requireUser(), async (c) => {
    const caller = callerOf(c)
    const [session, user] = await Promise.all([
      sessionById(c.env.DB, caller.sessionId),
      findUser(c.env.DB, caller.userId),
    ])
    if (!session || !user) throw new AppError('ERR_AUTH_REQUIRED', 'sign in first')
    c.header('Cache-Control', 'no-store')
    return c.json({
      user: { id: user.id, email: user.email },
      session: {
        createdAt: session.createdAt,
        expiresAt: session.expiresAt,
        idleExpiresAt: Math.min(session.expiresAt, session.lastSeenAt + SESSION_IDLE_MS),
        reauthAt: session.reauthAt,
      },
    })
  })

  // The signed-in user's passkeys.
  .get('/passkeys', read, requireUser(), async (c) =>
    c.json({ passkeys: await listPasskeys(c.env.DB, callerOf(c).userId) }),
  )
  .post('/passkeys/options', ceremony, requireFreshOrRecovery(), async (c) => {
    const caller = callerOf(c)
    const user = await findUser(c.env.DB, caller.userId)
    if (!user) throw new AppError('ERR_AUTH_REQUIRED', 'sign in first')
    return c.json(
      await registrationOptions(c.env.DB, c.var.config, {
        purpose: 'add-passkey',
        user,
        exclude: await credentialsOf(c.env.DB, user.id),
        sessionId: caller.sessionId,
        now: c.var.now(),
      }),
    )
  })
  .post(
    '/passkeys/verify',
    ceremony,
    requireFreshOrRecovery(),
    validate('json', AddPasskeyVerifyBodySchema),
    async (c) => {
      const caller = callerOf(c)
      const { challengeId, response, name, proof } = c.req.valid('json')
      const now = c.var.now()
      const challenge = await takeChallenge(c.env.DB, challengeId, 'add-passkey', now)
      if (!challenge || challenge.userId !== caller.userId || challenge.data.sessionId !== caller.sessionId)
        throw invalid('challenge missing, used, expired or of another session')
      const passkey = await verifyRegistration(c.var.config, challenge, response, {
        userId: caller.userId,
        name: name ?? 'Passkey',
        now,
      })
      // The signer decides: an existing passkey's assertion naming this credential, or a redeemed recovery code.
      await c.var.services.signer('passkeys.add', caller.userId, {
        credential: response,
        ...(proof ? { proof } : {}),
      })
      try {
        await insertPasskey(c.env.DB, passkey).run()
      } catch (e) {
        if (isConflict(e)) throw invalid('credential already registered')
        throw e
      }
      const view = {
        id: passkey.id,
        name: passkey.name,
        createdAt: now,
        lastUsedAt: null,
        deviceType: passkey.deviceType,
        backedUp: passkey.backedUp,
      }
      return c.json({ passkey: view }, 201)
    },
  )
  .delete(
    '/passkeys/:id',
    ceremony,
    requireFreshAuth(),
    validate('param', PasskeyIdParamSchema),
    async (c) => {
      const { id } = c.req.valid('param')
      const userId = callerOf(c).userId
      const { proof } = await optionalJson(c.req.raw, UserProofBodySchema)
      await c.var.services.signer('passkeys.remove', userId, {
        credentialId: id,
        ...(proof ? { proof } : {}),
      })
      const outcome = await removePasskey(c.env.DB, userId, id)
      // Another user's passkey answers exactly like a missing one.
      if (outcome === 'not-found') throw new AppError('ERR_NOT_FOUND', 'no such passkey')
      if (outcome === 'last')
        throw new AppError('ERR_AUTH_LAST_PASSKEY', 'add another passkey before removing this one')
      return c.json({ removed: id })
    },
  )

  // Recovery: a spent code gives a session that is NOT fresh; it can add a passkey, not export secrets.
  .post('/recovery/verify', ceremony, validate('json', RecoveryVerifyBodySchema), async (c) => {
    const { email, code } = c.req.valid('json')
    const config = c.var.config
    const user = await findUserByEmail(c.env.DB, email)
    // Unknown emails get their own counter (keyed by an HMAC, not the address) so lock-out looks the same.
    const subject = user
      ? `user:${user.id}`
      : `email:${hex(await hmacSha256(config.authSecret, `tuxedo:recovery-email\n${email}`))}`
    const limit = await checkLimit(config, 'recovery', subject)
    if (limit.kind === 'unavailable')
      throw new AppError('ERR_RATE_LIMIT_UNAVAILABLE', 'temporarily unavailable, try again shortly')
    if (limit.kind === 'blocked') {
      c.header('Retry-After', String(Math.max(1, Math.ceil((limit.reset - Date.now()) / 1000))))
      throw new AppError('ERR_AUTH_RECOVERY_LOCKED', 'too many recovery attempts, try again later')
    }
    const spent = await spendRecoveryCode(c.env.DB, config.authSecret, user?.id ?? subject, code, c.var.now())
    if (!user || !spent) throw new AppError('ERR_AUTH_INVALID', 'recovery code not accepted')
    // The signer holds its own hashes: a code it does not accept is no code (and no passkey can follow).
    try {
      await c.var.services.signer('recovery.redeem', user.id, { code })
    } catch (e) {
      if (e instanceof AppError && e.code === 'ERR_USER_RECOVERY_INVALID')
        throw new AppError('ERR_AUTH_INVALID', 'recovery code not accepted', 'signer refused the code')
      throw e
    }
    // Whoever held the other sessions may be who the user is recovering from.
    await revokeAllSessions(c.env.DB, user.id)
    const signedIn = await signIn(c, user, { reauth: false })
    return c.json({ ...signedIn, recoveryCodesLeft: await unusedRecoveryCodes(c.env.DB, user.id) })
  })

  // Re-authentication: a fresh assertion bound to this session, for requireFreshAuth routes.
  // With `operation`, the challenge is the signer's (user.challenge): the same assertion then proves that
  // one operation to the signer when the client relays it as `proof`.
  .post('/reauth/options', ceremony, requireUser(), async (c) => {
    const caller = callerOf(c)
    const { operation } = await optionalJson(c.req.raw, ReauthOptionsBodySchema)
    const issued = operation
      ? await c.var.services.signer('user.challenge', caller.userId, { operation })
      : undefined
    return c.json(
      await createAssertionChallenge(c.env.DB, c.var.config, {
        purpose: 'reauth',
        userId: caller.userId,
        sessionId: caller.sessionId,
        allow: await credentialsOf(c.env.DB, caller.userId),
        ...(issued ? { signerChallenge: issued.challenge } : {}),
        now: c.var.now(),
      }),
    )
  })
  .post('/reauth/verify', ceremony, requireUser(), validate('json', AssertionVerifyBodySchema), async (c) => {
    const caller = callerOf(c)
    const { challengeId, response } = c.req.valid('json')
    const now = c.var.now()
    await verifyAssertion(c.env.DB, c.var.config, {
      challengeId,
      purpose: 'reauth',
      response,
      expect: { userId: caller.userId, sessionId: caller.sessionId },
      now,
    })
    await markReauth(c.env.DB, caller.sessionId, now)
    return c.json({ reauthAt: now })
  })
