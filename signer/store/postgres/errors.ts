/**
 * What a PostgreSQL failure means for the caller. Threat this stops: a database outage that hangs the
 * signer, or one that is reported as a refusal of the user's request ("not found", "cap reached"): it is
 * StoreUnavailableError (503, retry later with the same requestId), nothing else.
 */
import { DatabaseError } from 'pg'
import { StoreUnavailableError } from '../types.ts'

/** SQLSTATEs that mean "the database is not serving us right now". */
const UNAVAILABLE_STATES = new Set([
  '57P01', // admin_shutdown (fast shutdown, failover)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovery)
  '57014', // query_canceled (statement_timeout)
  '25P03', // idle_in_transaction_session_timeout
  '53300', // too_many_connections
  '53100', // disk_full
  '55P03', // lock_not_available (lock_timeout)
])

/** Retried from scratch: the transaction was rolled back and running it again is safe. */
const RETRY_STATES = new Set(['40001', '40P01'])

const sqlState = (err: unknown): string | undefined =>
  err instanceof DatabaseError && typeof err.code === 'string' ? err.code : undefined

export function isRetryable(err: unknown): boolean {
  const state = sqlState(err)
  return state !== undefined && RETRY_STATES.has(state)
}

/**
 * The same requestId committed meanwhile by a transaction of another user (another replica, or another
 * user's lock on this one). Retried from scratch: the retry reads the stored row and answers from it.
 */
export function isRequestIdConflict(err: unknown): boolean {
  return err instanceof DatabaseError && err.code === '23505' && err.constraint === 'requests_pkey'
}

/** Node socket errors, pg-pool's checkout timeout, pg's own "connection terminated" and query_timeout. */
const CONNECTION_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'Client has encountered a connection error',
  'Client was closed',
  'Cannot use a pool after calling end',
]

/**
 * The database (or the way to it) failed: a pg or socket error. Not a StoreUnavailableError thrown by the
 * caller's own code (the sealed layer's "raced head"): that one passes through as it is, on a healthy
 * connection.
 */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return false
  const state = sqlState(err)
  if (state !== undefined) return state.startsWith('08') || UNAVAILABLE_STATES.has(state)
  if (!(err instanceof Error)) return false
  const code = (err as NodeJS.ErrnoException).code
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true // ECONNREFUSED, ETIMEDOUT, EPIPE, …
  return CONNECTION_MESSAGES.some((m) => err.message.includes(m))
}

/**
 * The connection itself is gone (socket error, pg's "terminated", the server shutting it down), as
 * opposed to a live server refusing a statement (statement_timeout, too many connections): only the
 * former makes a pooled client stale, worth one more try on a fresh connection.
 */
export function isConnectionLoss(err: unknown): boolean {
  const state = sqlState(err)
  if (state !== undefined) return state.startsWith('08') || state === '57P01' || state === '57P02'
  return isUnavailable(err)
}

/**
 * The error the caller sees. The message names no host, user or password (pg's own messages may carry
 * the host and port; they stay out of the error that reaches a response or a log line).
 */
export function unavailable(err: unknown): StoreUnavailableError {
  const state = sqlState(err)
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined
  const what = state ?? (typeof code === 'string' ? code : 'connection')
  return new StoreUnavailableError(`database unavailable (${what})`)
}
