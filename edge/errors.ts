/**
 * Turns anything thrown into our wire shape { code, message, requestId }. Internal detail (stack,
 * cause, upstream text) goes to the log with the request id, never to the response.
 */
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { AppError, type ErrorCode, errorBody, statusOf } from '../shared/errors.ts'
import type { AppEnv } from './types.ts'

export function jsonError(
  c: Context<AppEnv>,
  code: ErrorCode,
  message: string,
  headers?: Record<string, string>,
) {
  const requestId = c.var.requestId ?? 'unknown'
  return c.json(errorBody(code, message, requestId), statusOf(code), headers)
}

export function onError(e: Error, c: Context<AppEnv>) {
  if (e instanceof AppError) {
    if (e.detail || statusOf(e.code) >= 500) log('warn', c, e.code, e.detail ?? e.message)
    return jsonError(c, e.code, e.message)
  }
  if (e instanceof HTTPException) {
    if (e.status === 400 && /malformed json/i.test(e.message))
      return jsonError(c, 'ERR_BAD_JSON', 'the body is not valid JSON')
    const code: ErrorCode =
      e.status === 413
        ? 'ERR_BODY_TOO_LARGE'
        : e.status === 401
          ? 'ERR_AUTH_REQUIRED'
          : e.status === 404
            ? 'ERR_NOT_FOUND'
            : 'ERR_VALIDATION'
    return jsonError(c, code, e.status === 413 ? 'request body is too large' : e.message || 'bad request')
  }
  log('error', c, 'ERR_INTERNAL', e instanceof Error ? `${e.name}: ${e.message}` : 'unknown throw')
  return jsonError(c, 'ERR_INTERNAL', 'internal error')
}

/** One JSON log line; callers pass codes and safe detail only, never request bodies or secrets. */
export function log(level: 'info' | 'warn' | 'error', c: Context<AppEnv>, code: string, detail: string) {
  const line = JSON.stringify({
    level,
    code,
    detail,
    requestId: c.var.requestId,
    path: c.req.path,
    method: c.req.method,
  })
  if (level === 'error') console.error(line)
  else console.log(line)
}
