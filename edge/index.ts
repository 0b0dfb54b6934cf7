/**
 * The Worker entry: the only default export in the code base. Nothing runs at import time: the app is built
 * on the first request (its route groups later still, on their own first request: lib/lazy-routes.ts).
 */
import { createApp } from './app.ts'
import type { Env } from './env.ts'

let app: ReturnType<typeof createApp> | undefined

export default {
  fetch: (request, env, ctx) => {
    app ??= createApp()
    return app.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
