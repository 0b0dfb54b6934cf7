/** Caps request bodies (64 KiB by default, less where a route needs less); over it → 413 in our shape. */
import { bodyLimit as honoBodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { AppError } from '../../shared/errors.ts'
import type { AppEnv } from '../types.ts'

export const bodyLimit = (maxBytes?: number) =>
  createMiddleware<AppEnv>(async (c, next) =>
    honoBodyLimit({
      maxSize: maxBytes ?? c.var.config.bodyLimitBytes,
      onError: () => {
        throw new AppError(
          'ERR_BODY_TOO_LARGE',
          `request body is larger than ${maxBytes ?? c.var.config.bodyLimitBytes} bytes`,
        )
      },
    })(c, next),
  )
