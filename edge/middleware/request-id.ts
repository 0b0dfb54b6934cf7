/** Gives every request an id: the caller's X-Request-Id when it is sane, else a fresh random one. */
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../types.ts'

const SANE = /^[A-Za-z0-9._-]{8,64}$/

export function newRequestId(): string {
  return `req_${crypto.randomUUID().replaceAll('-', '')}`
}

export const requestId = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const given = c.req.header('x-request-id')
    const id = given && SANE.test(given) ? given : newRequestId()
    c.set('requestId', id)
    c.header('X-Request-Id', id)
    await next()
  })
