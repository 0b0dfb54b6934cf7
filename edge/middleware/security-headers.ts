/**
 * Security headers on every response, errors included. The API serves JSON and the web client's own
 * assets, so the policy is strict: same-origin scripts only, no framing (clickjacking on an approve
 * button is a way to move money), no referrer leaks, and HSTS wherever TLS is real.
 */
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../types.ts'

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const PERMISSIONS = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()'

export const securityHeaders = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next()
    const h = c.res.headers
    h.set('Content-Security-Policy', CSP)
    h.set('X-Content-Type-Options', 'nosniff')
    h.set('Referrer-Policy', 'no-referrer')
    h.set('X-Frame-Options', 'DENY')
    h.set('Permissions-Policy', PERMISSIONS)
    h.set('Cross-Origin-Opener-Policy', 'same-origin')
    h.set('Cross-Origin-Resource-Policy', 'same-origin')
    // c.var.config is absent only when config itself failed: treat that as production (strictest).
    const env = c.var.config?.environment ?? 'production'
    if (env !== 'development')
      h.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains; preload')
  })
