/** Parses the env (once per isolate) and puts the frozen config and the clock on the context. */
import { createMiddleware } from 'hono/factory'
import { loadConfig } from '../config.ts'
import type { AppDeps, AppEnv } from '../types.ts'

export const withConfig = (deps: AppDeps) =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set('now', deps.now)
    c.set('config', loadConfig(c.env))
    await next()
  })
