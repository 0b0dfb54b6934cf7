/**
 * zod at the HTTP boundary, with a hook that turns a failed parse into our error body. Without the hook
 * the validator would answer zod's raw result; with it, the caller gets { code, message, requestId }.
 */
import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import type { z } from 'zod'
import { errorBody } from '../shared/errors.ts'

/** "field: problem; other: problem", the first few issues only; never echoes input values. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 4)
    .map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ')
}

export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) =>
  zValidator(target, schema, (result, c) => {
    if (!result.success) {
      // The hook's context is untyped (hono's generic Env); the request id middleware stored it under this key.
      const requestId = String(c.get('requestId' as never) ?? 'unknown')
      return c.json(errorBody('ERR_VALIDATION', describeIssues(result.error.issues), requestId), 400)
    }
  })
