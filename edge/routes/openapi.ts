/** GET /openapi.json: the public API described from the same zod schemas the routes validate with. */
import { Hono } from 'hono'
import { buildOpenApi } from '../openapi.ts'
import type { AppEnv } from '../types.ts'

let cached: ReturnType<typeof buildOpenApi> | undefined

export const openapi = new Hono<AppEnv>().get('/', (c) => {
  cached ??= buildOpenApi()
  return c.json(cached)
})
