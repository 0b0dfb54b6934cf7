/**
 * One vocabulary of errors for the edge, the signer and the browser.
 * Codes are stable API: clients branch on `code`, never on `message`.
 * The HTTP status of every code lives in one exhaustive switch, so adding
 * a code without deciding its status is a type error.
 */
import { z } from 'zod'

/**
 * Refusals by the signer's spending policy or its approval flow. They reach the user as they are (the user
 * can act on "daily cap reached" or "approve this"), unlike the signer's internal failures.
 */
/**
 * The signer's verdicts on the user's own proof (a passkey assertion over a signer challenge, or a recovery
 * code); the edge passes them through as they are, so the caller can act on "replayed", "stale", "verify".
 */
export const USER_PROOF_CODES = [
  'ERR_USER_PROOF_REQUIRED',
  'ERR_USER_PROOF_INVALID',
  'ERR_USER_PROOF_UNKNOWN_CREDENTIAL',
  'ERR_USER_PROOF_STALE',
  'ERR_USER_PROOF_REPLAYED',
  'ERR_USER_PROOF_MISMATCH',
  'ERR_USER_PROOF_UV_REQUIRED',
  'ERR_USER_PROOF_COUNTER',
  'ERR_USER_RECOVERY_INVALID',
  'ERR_USER_EXISTS',
] as const

export const POLICY_REFUSAL_CODES = [
  'ERR_POLICY_TX_CAP',
  'ERR_POLICY_DAILY_CAP',
  'ERR_POLICY_OPERATION',
  'ERR_POLICY_TIME_BOUNDS',
  'ERR_POLICY_FEE',
  'ERR_POLICY_DESTINATION',
  'ERR_POLICY_SOURCE',
  'ERR_POLICY_FEE_BUDGET',
  // Soroban calls the signer cannot read or will not sign (signer/policy/soroban.ts, protocols/)
  'ERR_POLICY_SOROBAN_HOST_FUNCTION',
  'ERR_POLICY_SOROBAN_ARGS',
  'ERR_POLICY_SOROBAN_UNKNOWN_CALL',
  'ERR_POLICY_SOROBAN_REFUSED_CALL',
  'ERR_POLICY_SOROBAN_ACCOUNT',
  'ERR_POLICY_SOROBAN_RECIPIENT',
  'ERR_POLICY_SOROBAN_TRANSFER',
  'ERR_POLICY_SOROBAN_DEPTH',
  'ERR_POLICY_SOROBAN_DEADLINE',
  'ERR_APPROVAL_REQUIRED',
  'ERR_APPROVAL_INVALID',
  'ERR_APPROVAL_EXPIRED',
  'ERR_APPROVAL_QUOTA',
] as const

export const ERROR_CODES = [
  // request shape
  'ERR_VALIDATION',
  'ERR_BAD_JSON',
  'ERR_BODY_TOO_LARGE',
  'ERR_NOT_FOUND',
  'ERR_METHOD_NOT_ALLOWED',
  'ERR_UNSUPPORTED_MEDIA_TYPE',
  // auth and sessions
  'ERR_AUTH_REQUIRED',
  'ERR_AUTH_INVALID',
  'ERR_AUTH_SESSION_INVALID',
  'ERR_AUTH_REAUTH_REQUIRED',
  'ERR_AUTH_RECOVERY_LOCKED',
  'ERR_AUTH_LAST_PASSKEY',
  'ERR_FORBIDDEN',
  'ERR_CORS_ORIGIN',
  // rate limiting
  'ERR_RATE_LIMITED',
  'ERR_RATE_LIMIT_UNAVAILABLE',
  // configuration and internals
  'ERR_CONFIG',
  'ERR_INTERNAL',
  // signer transport and trust
  'ERR_SIGNER_UNAVAILABLE',
  'ERR_SIGNER_UNTRUSTED',
  // the signer's audit head went back or forked: its database was rolled back (edge/attestation/audit-head.ts)
  'ERR_SIGNER_ROLLED_BACK',
  'ERR_SIGNER_REQUEST_STALE',
  'ERR_SIGNER_REQUEST_CONFLICT',
  'ERR_SIGNER_UNKNOWN_METHOD',
  'ERR_SIGNER_STORE_TAMPERED',
  // accounts and keys
  'ERR_ACCOUNT_NOT_FOUND',
  'ERR_ACCOUNT_EXISTS',
  'ERR_ACCOUNT_SECRET_INVALID',
  'ERR_ACCOUNT_QUOTA',
  'ERR_CRYPTO_DECRYPT',
  ...USER_PROOF_CODES,
  'ERR_SEAL_INVALID',
  'ERR_SEAL_KEY_INVALID',
  // transactions and network
  'ERR_TX_INVALID',
  'ERR_TX_NETWORK_MISMATCH',
  'ERR_TX_SOURCE_MISMATCH',
  'ERR_TX_SUBMIT_FAILED',
  'ERR_TX_SIMULATION_FAILED',
  'ERR_NETWORK_UNSUPPORTED',
  'ERR_UPSTREAM_UNAVAILABLE',
  'ERR_UPSTREAM_TIMEOUT',
  // spending policy and approvals
  ...POLICY_REFUSAL_CODES,
  // agent
  'ERR_LLM_NOT_CONFIGURED',
  'ERR_LLM_UNAVAILABLE',
  'ERR_TOOL_INPUT',
  'ERR_TOOL_TIMEOUT',
  'ERR_TOOL_INTERNAL',
  'ERR_TOOL_UNKNOWN',
  // DeFi protocols (Blend, DeFindex, Soroswap): refused before anything is signed
  'ERR_DEFI_UNKNOWN_POOL',
  'ERR_DEFI_UNKNOWN_VAULT',
  'ERR_DEFI_UNKNOWN_TOKEN',
  'ERR_DEFI_NO_ROUTE',
  'ERR_DEFI_POOL_STATUS',
  'ERR_DEFI_RESERVE_DISABLED',
  'ERR_DEFI_SUPPLY_CAP',
  'ERR_DEFI_UTILIZATION',
  'ERR_DEFI_HEALTH_FACTOR',
  'ERR_DEFI_INSUFFICIENT_BALANCE',
  'ERR_DEFI_SLIPPAGE',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]
export const ErrorCodeSchema = z.enum(ERROR_CODES)

export type HttpErrorStatus =
  | 400
  | 401
  | 403
  | 404
  | 405
  | 409
  | 410
  | 413
  | 415
  | 422
  | 429
  | 500
  | 502
  | 503
  | 504

/** The HTTP status for each code. No `default`: a new code must be placed here. */
export function statusOf(code: ErrorCode): HttpErrorStatus {
  switch (code) {
    case 'ERR_VALIDATION':
    case 'ERR_BAD_JSON':
    case 'ERR_ACCOUNT_SECRET_INVALID':
    case 'ERR_SEAL_INVALID':
    case 'ERR_SEAL_KEY_INVALID':
    case 'ERR_TX_INVALID':
    case 'ERR_TX_NETWORK_MISMATCH':
    case 'ERR_TX_SOURCE_MISMATCH':
    case 'ERR_NETWORK_UNSUPPORTED':
    case 'ERR_TOOL_INPUT':
    case 'ERR_TOOL_UNKNOWN':
    case 'ERR_SIGNER_REQUEST_STALE':
      return 400
    case 'ERR_AUTH_REQUIRED':
    case 'ERR_AUTH_INVALID':
    case 'ERR_USER_PROOF_REQUIRED':
    case 'ERR_USER_PROOF_INVALID':
    case 'ERR_USER_PROOF_UNKNOWN_CREDENTIAL':
    case 'ERR_USER_PROOF_STALE':
    case 'ERR_USER_PROOF_REPLAYED':
    case 'ERR_USER_RECOVERY_INVALID':
    case 'ERR_AUTH_SESSION_INVALID':
      return 401
    case 'ERR_AUTH_REAUTH_REQUIRED':
    case 'ERR_FORBIDDEN':
    case 'ERR_CORS_ORIGIN':
    case 'ERR_POLICY_TX_CAP':
    case 'ERR_POLICY_DAILY_CAP':
    case 'ERR_POLICY_OPERATION':
    case 'ERR_POLICY_TIME_BOUNDS':
    case 'ERR_POLICY_FEE':
    case 'ERR_POLICY_DESTINATION':
    case 'ERR_POLICY_SOURCE':
    case 'ERR_POLICY_FEE_BUDGET':
    case 'ERR_POLICY_SOROBAN_HOST_FUNCTION':
    case 'ERR_POLICY_SOROBAN_ARGS':
    case 'ERR_POLICY_SOROBAN_UNKNOWN_CALL':
    case 'ERR_POLICY_SOROBAN_REFUSED_CALL':
    case 'ERR_POLICY_SOROBAN_ACCOUNT':
    case 'ERR_POLICY_SOROBAN_RECIPIENT':
    case 'ERR_POLICY_SOROBAN_TRANSFER':
    case 'ERR_POLICY_SOROBAN_DEPTH':
    case 'ERR_POLICY_SOROBAN_DEADLINE':
    case 'ERR_USER_PROOF_MISMATCH':
    case 'ERR_USER_PROOF_UV_REQUIRED':
    case 'ERR_USER_PROOF_COUNTER':
      return 403
    case 'ERR_NOT_FOUND':
    case 'ERR_ACCOUNT_NOT_FOUND':
    case 'ERR_DEFI_UNKNOWN_POOL':
    case 'ERR_DEFI_UNKNOWN_VAULT':
    case 'ERR_DEFI_UNKNOWN_TOKEN':
    case 'ERR_DEFI_NO_ROUTE':
    case 'ERR_SIGNER_UNKNOWN_METHOD':
      return 404
    case 'ERR_METHOD_NOT_ALLOWED':
      return 405
    case 'ERR_ACCOUNT_EXISTS':
    case 'ERR_SIGNER_REQUEST_CONFLICT':
    case 'ERR_AUTH_LAST_PASSKEY':
    case 'ERR_APPROVAL_INVALID':
    case 'ERR_ACCOUNT_QUOTA':
    case 'ERR_APPROVAL_QUOTA':
    case 'ERR_USER_EXISTS':
      return 409
    case 'ERR_APPROVAL_EXPIRED':
      return 410
    case 'ERR_BODY_TOO_LARGE':
      return 413
    case 'ERR_UNSUPPORTED_MEDIA_TYPE':
      return 415
    case 'ERR_TX_SUBMIT_FAILED':
    case 'ERR_TX_SIMULATION_FAILED':
    case 'ERR_APPROVAL_REQUIRED':
    case 'ERR_DEFI_POOL_STATUS':
    case 'ERR_DEFI_RESERVE_DISABLED':
    case 'ERR_DEFI_SUPPLY_CAP':
    case 'ERR_DEFI_UTILIZATION':
    case 'ERR_DEFI_HEALTH_FACTOR':
    case 'ERR_DEFI_INSUFFICIENT_BALANCE':
    case 'ERR_DEFI_SLIPPAGE':
      return 422
    case 'ERR_RATE_LIMITED':
    case 'ERR_AUTH_RECOVERY_LOCKED':
      return 429
    case 'ERR_CONFIG':
    case 'ERR_INTERNAL':
    case 'ERR_CRYPTO_DECRYPT':
    case 'ERR_TOOL_INTERNAL':
    // 500, not 503: a row that fails its MAC is the same on every replica (they share the database), so it
    // is no outage to retry elsewhere or later; it stays refused until an operator looks.
    case 'ERR_SIGNER_STORE_TAMPERED':
      return 500
    case 'ERR_UPSTREAM_UNAVAILABLE':
    case 'ERR_LLM_UNAVAILABLE':
      return 502
    case 'ERR_SIGNER_UNAVAILABLE':
    case 'ERR_SIGNER_UNTRUSTED':
    case 'ERR_SIGNER_ROLLED_BACK':
    case 'ERR_RATE_LIMIT_UNAVAILABLE':
    case 'ERR_LLM_NOT_CONFIGURED':
      return 503
    case 'ERR_UPSTREAM_TIMEOUT':
    case 'ERR_TOOL_TIMEOUT':
      return 504
  }
}

/** What every error response body looks like on the wire. */
export const ErrorBodySchema = z
  .object({
    code: ErrorCodeSchema,
    message: z.string().min(1),
    requestId: z.string().min(1),
  })
  .strict()
export type ErrorBody = z.infer<typeof ErrorBodySchema>

/**
 * An error meant for the caller: `message` is what the caller may know.
 * `detail` is for logs and the audit trail only and never crosses the wire.
 */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly detail: string | undefined
  /**
   * Structured facts the caller may see (e.g. ERR_APPROVAL_REQUIRED's approval id, tx hash, amounts and
   * expiry, as the signer sent them). Unlike `detail`, these are meant for the client.
   */
  readonly details: Readonly<Record<string, unknown>> | undefined
  constructor(
    code: ErrorCode,
    message: string,
    detail?: string,
    details?: Readonly<Record<string, unknown>>,
  ) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.detail = detail
    this.details = details
  }
  get status(): HttpErrorStatus {
    return statusOf(this.code)
  }
}

export function errorBody(code: ErrorCode, message: string, requestId: string): ErrorBody {
  return { code, message, requestId }
}
