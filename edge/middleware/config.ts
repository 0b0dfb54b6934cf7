/** Parses the env (once per isolate) and puts the frozen config on the context. */
import { createMiddleware } from 'hono/factory'
import { loadConfig } from '../config.ts'
import type { AppEnv } from '../types.ts'

export const withConfig = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set('config', loadConfig(c.env))
    await next()
  })
