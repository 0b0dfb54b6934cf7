/**
 * Same-origin JSON calls to the edge. The session is the HttpOnly cookie the browser sends by itself; the
 * client never reads, stores or forwards a token (sessionToken in auth responses is for API clients and is
 * dropped here). Errors come back as the edge's `{ code, message }` body.
 */

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (res.ok) return res
  let code = 'ERR_HTTP'
  let message = `${res.status} ${res.statusText}`
  try {
    const err: unknown = await res.json()
    if (isRecord(err)) {
      if (typeof err.code === 'string') code = err.code
      if (typeof err.message === 'string') message = err.message
    }
  } catch {
    // Not JSON: keep the status line.
  }
  throw new ApiError(res.status, code, message)
}

/** A JSON call; the result type is what the edge's OpenAPI document promises for that route. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body)
  return (await res.json()) as T
}
