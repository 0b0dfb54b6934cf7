/** Results for pure code: failures are values, so callers must look at them. */
import type { ErrorCode } from './errors.ts'

export type Ok<T> = { readonly ok: true; readonly value: T }
export type Err<E> = { readonly ok: false; readonly error: E }
export type Result<T, E = Failure> = Ok<T> | Err<E>

/** The usual error payload: a stable code and a message the caller may read. */
export type Failure = { readonly code: ErrorCode; readonly message: string }

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value })
export const err = <E>(error: E): Err<E> => ({ ok: false, error })
export const fail = (code: ErrorCode, message: string): Err<Failure> => err({ code, message })
