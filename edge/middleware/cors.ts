/**
 * CORS per environment. Development allows the local origins (any port on localhost/127.0.0.1);
 * staging and production allow exactly ALLOWED_ORIGINS. A foreign origin gets no Access-Control-Allow-Origin,
 * a failed (403) preflight, and state-changing requests carrying it are refused outright: with cookies
 * that is cross-site request forgery, whatever SameSite says about older browsers.
 */
import { cors as honoCors } from 'hono/cors'
import { createMiddleware } from 'hono/factory'
import { AppError } from '../../shared/errors.ts'
import type { Config } from '../config.ts'
import type { AppEnv } from '../types.ts'

const LOCAL = /^http:\/\/(localhost|127\.0\.0\.1)(:[0-9]{1,5})?$/

export function originAllowed(origin: string, config: Config): boolean {
  if (config.allowedOrigins.includes(origin)) return true
  return config.environment === 'development' && LOCAL.test(origin)
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export const cors = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const origin = c.req.header('origin')
    const config = c.var.config
    if (origin !== undefined && !originAllowed(origin, config)) {
      if (c.req.method === 'OPTIONS') throw new AppError('ERR_CORS_ORIGIN', 'origin not allowed')
      if (!SAFE_METHODS.has(c.req.method)) throw new AppError('ERR_CORS_ORIGIN', 'origin not allowed')
    }
    return honoCors({
      origin: (o) => (originAllowed(o, config) ? o : null),
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowHeaders: ['Content-Type', 'Authorization'],
      exposeHeaders: [
        'X-Request-Id',
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
      ],
      credentials: true,
      maxAge: 600,
    })(c, next)
  })
