import { describe, expect, it } from 'vitest'
import { AppError, ERROR_CODES, ErrorBodySchema, statusOf } from '../../shared/errors.ts'

describe('error codes', () => {
  it.each(ERROR_CODES.map((c) => [c]))('%s is ERR_<AREA>_<WHAT> with a 4xx/5xx status', (code) => {
    expect(code).toMatch(/^ERR_[A-Z0-9]+(_[A-Z0-9]+)*$/)
    const s = statusOf(code)
    expect(s >= 400 && s < 600).toBe(true)
  })
  it('has no duplicates', () => expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length))
  it('maps representative codes to the statuses clients rely on', () => {
    expect(statusOf('ERR_VALIDATION')).toBe(400)
    expect(statusOf('ERR_AUTH_REQUIRED')).toBe(401)
    expect(statusOf('ERR_ACCOUNT_NOT_FOUND')).toBe(404)
    expect(statusOf('ERR_BODY_TOO_LARGE')).toBe(413)
    expect(statusOf('ERR_RATE_LIMITED')).toBe(429)
    expect(statusOf('ERR_RATE_LIMIT_UNAVAILABLE')).toBe(503)
    expect(statusOf('ERR_SIGNER_UNTRUSTED')).toBe(503)
  })
  it('AppError carries its status and keeps detail off the message', () => {
    const e = new AppError('ERR_TX_INVALID', 'transaction is malformed', 'xdr decode failed at byte 12')
    expect(e.status).toBe(400)
    expect(e.message).not.toContain('byte 12')
  })
  it.each([
    [{ code: 'ERR_NOT_FOUND', message: 'x', requestId: 'r' }, true],
    [{ code: 'ERR_NOPE', message: 'x', requestId: 'r' }, false],
    [{ code: 'ERR_NOT_FOUND', message: '', requestId: 'r' }, false],
    [{ code: 'ERR_NOT_FOUND', message: 'x' }, false],
    [{ code: 'ERR_NOT_FOUND', message: 'x', requestId: 'r', stack: 'at …' }, false],
  ])('wire body %j parses: %s', (body, good) => {
    expect(ErrorBodySchema.safeParse(body).success).toBe(good)
  })
})
