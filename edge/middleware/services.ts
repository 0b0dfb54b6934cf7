/** Puts the request's services (signer client, Horizon, Soroban RPC) on `c.var.services`, once. */
import { createMiddleware } from 'hono/factory'
import { createServices } from '../money/services.ts'
import type { AppEnv } from '../types.ts'

export const services = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set('services', createServices(c.env, c.var.config))
    await next()
  })
