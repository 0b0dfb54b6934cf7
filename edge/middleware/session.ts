/**
 * Identifies the caller from the session cookie or `Authorization: Bearer`. No credential: an anonymous
 * caller (rate limits key by IP; `requireUser` decides). A credential that is presented but malformed,
 * unknown, revoked or expired: 401 ERR_AUTH_SESSION_INVALID with `WWW-Authenticate` (RFC 6750), never a
 * silent downgrade to anonymous, which would turn a signed-out client's chat into an anonymous one and
 * hide a revoked session from its holder. Exempt: the sign-in ceremonies and logout (where a stale cookie
 * is expected, and is cleared) and what is public anyway (the page, its assets, /health).
 */
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { AppError } from '../../shared/errors.ts'
import { findSession, SESSION_COOKIE, sessionCookie } from '../auth/sessions.ts'
import { jsonError } from '../errors.ts'
import type { AppEnv } from '../types.ts'

export const REAUTH_MAX_AGE_MS = 5 * 60_000

/** What was presented: nothing, a well-formed token, or something that is not one. */
type Presented =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string; readonly via: 'bearer' | 'cookie' }
  | { readonly kind: 'malformed'; readonly via: 'bearer' | 'cookie' }

const TOKEN = /^[A-Za-z0-9_-]{16,128}$/

export function presentedCredential(
  authorization: string | undefined,
  cookie: string | undefined,
): Presented {
  if (authorization !== undefined) {
    const m = /^Bearer ([A-Za-z0-9_-]+)$/.exec(authorization)
    return m?.[1] && TOKEN.test(m[1])
      ? { kind: 'token', token: m[1], via: 'bearer' }
      : { kind: 'malformed', via: 'bearer' }
  }
  if (cookie === undefined || cookie === '') return { kind: 'none' }
  return TOKEN.test(cookie)
    ? { kind: 'token', token: cookie, via: 'cookie' }
    : { kind: 'malformed', via: 'cookie' }
}

/** Where a stale credential is expected or harmless: signing in, signing out, and public GETs. */
const SIGN_IN = /^\/auth\/(passkey\/(register|login)\/(options|verify)|recovery\/verify|logout)$/
const API = /^\/(api|auth|chat)(\/|$)/
export const toleratesStaleCredential = (method: string, path: string): boolean =>
  SIGN_IN.test(path) || (method === 'GET' && !API.test(path))

export const WWW_AUTHENTICATE =
  'Bearer realm="tuxedo", error="invalid_token", error_description="the session is invalid or expired"'

export const session = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const presented = presentedCredential(c.req.header('authorization'), getCookie(c, SESSION_COOKIE))
    const found =
      presented.kind === 'token' ? await findSession(c.env.DB, presented.token, c.var.now()) : undefined
    if (presented.kind !== 'none' && !found) {
      // A cookie the browser keeps sending would fail every request: clear it either way.
      if (presented.via === 'cookie') c.header('Set-Cookie', sessionCookie(undefined))
      if (!toleratesStaleCredential(c.req.method, c.req.path)) {
        return jsonError(c, 'ERR_AUTH_SESSION_INVALID', 'the session is invalid or expired; sign in again', {
          'WWW-Authenticate': WWW_AUTHENTICATE,
        })
      }
    }
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
