/**
 * Identifies the caller from the session cookie or `Authorization: Bearer`, without rejecting anyone:
 * rate limits need the identity (per user when signed in, else per IP) before `requireUser` decides.
 */
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { AppError } from '../../shared/errors.ts'
import { findSession, SESSION_COOKIE } from '../auth/sessions.ts'
import type { AppEnv } from '../types.ts'

export const REAUTH_MAX_AGE_MS = 5 * 60_000

function tokenOf(authorization: string | undefined, cookie: string | undefined): string | undefined {
  if (authorization !== undefined) {
    const m = /^Bearer ([A-Za-z0-9_-]+)$/.exec(authorization)
    return m?.[1]
  }
  return cookie
}

export const session = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const token = tokenOf(c.req.header('authorization'), getCookie(c, SESSION_COOKIE))
    const found = token ? await findSession(c.env.DB, token, c.var.now()) : undefined
    c.set(
      'caller',
      found
        ? { userId: found.userId, sessionId: found.id, reauthAt: found.reauthAt, createdAt: found.createdAt }
        : undefined,
    )
    await next()
  })

/** 401 unless signed in. */
export const requireUser = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!c.var.caller) throw new AppError('ERR_AUTH_REQUIRED', 'sign in first')
    await next()
  })

/** 403 unless this session made a passkey assertion within the last five minutes. */
export const requireFreshAuth = (maxAgeMs = REAUTH_MAX_AGE_MS) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const caller = c.var.caller
    if (!caller) throw new AppError('ERR_AUTH_REQUIRED', 'sign in first')
    if (caller.reauthAt === null || c.var.now() - caller.reauthAt > maxAgeMs) {
      throw new AppError(
        'ERR_AUTH_REAUTH_REQUIRED',
        'confirm with your passkey first (POST /auth/reauth/options)',
      )
    }
    await next()
  })

/** A session made by a recovery code (never fresh) may add a passkey this long after it was created. */
export const RECOVERY_WINDOW_MS = 15 * 60_000

/**
 * Adding a passkey: a fresh assertion, or a young recovery session (reauthAt null: recovery sessions are
 * never marked fresh). A session that is merely valid is not enough: whoever stole it could otherwise
 * plant their own passkey and keep access after the session ends.
 */
export const requireFreshOrRecovery = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const caller = c.var.caller
    if (!caller) throw new AppError('ERR_AUTH_REQUIRED', 'sign in first')
    const now = c.var.now()
    const fresh = caller.reauthAt !== null && now - caller.reauthAt <= REAUTH_MAX_AGE_MS
    const recovering = caller.reauthAt === null && now - caller.createdAt <= RECOVERY_WINDOW_MS
    if (!fresh && !recovering) {
      throw new AppError(
        'ERR_AUTH_REAUTH_REQUIRED',
        'confirm with your passkey first (POST /auth/reauth/options)',
      )
    }
    await next()
  })

/** The signed-in user's id; only for handlers mounted behind requireUser. */
export function callerOf(c: { var: { caller: AppEnv['Variables']['caller'] } }) {
  const caller = c.var.caller
  if (!caller) throw new AppError('ERR_AUTH_REQUIRED', 'sign in first')
  return caller
}
