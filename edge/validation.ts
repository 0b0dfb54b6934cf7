/**
 * zod at the HTTP boundary, with a hook that turns a failed parse into our error body. Without the hook
 * the validator would answer zod's raw result; with it, the caller gets { code, message, requestId }.
 */
import { zValidator } from '@hono/zod-validator'
import type { MiddlewareHandler, ValidationTargets } from 'hono'
import { every } from 'hono/combine'
import type { z } from 'zod'
import { AppError, errorBody } from '../shared/errors.ts'

/** "field: problem; other: problem", the first few issues only; never echoes input values. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 4)
    .map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ')
}

const JSON_TYPE = /^application\/json(\s*;|$)/i

/**
 * A JSON body must say it is JSON. Otherwise hono's validator would see `{}` and schema defaults could
 * turn a form post into a valid request.
 */
const requireJson: MiddlewareHandler = async (c, next) => {
  if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json')
  }
  await next()
}

const zodCheck = <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  zValidator(target, schema, (result, c) => {
    if (!result.success) {
      // The hook's context is hono's generic one; the request-id middleware stored the id under this key.
      const requestId = String(c.get('requestId' as never) ?? 'unknown')
      return c.json(errorBody('ERR_VALIDATION', describeIssues(result.error.issues), requestId), 400)
    }
  })

/**
 * A JSON body that may be absent (POST without a body): absent is `{}`, present must be JSON of `schema`.
 * For routes that grew an optional field, so older callers that send nothing keep working.
 */
export async function optionalJson<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  const text = await req.text()
  if (text.trim() === '') return schema.parse({}) as z.infer<T>
  if (!JSON_TYPE.test(req.headers.get('content-type') ?? ''))
    throw new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json')
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new AppError('ERR_BAD_JSON', 'body is not JSON')
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) throw new AppError('ERR_VALIDATION', describeIssues(parsed.error.issues))
  return parsed.data as z.infer<T>
}

export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) => {
  const check = zodCheck(target, schema)
  // `every` keeps the validator's typing for c.req.valid() when the two are chained.
  return (target === 'json' ? every(requireJson, check) : check) as typeof check
}
