/**
 * From a parsed HTTP request to a reply: envelope (strict), clock window, idempotency, the method, the
 * audit entry. The idempotency check, the work, the audit entry and the stored response happen in one
 * synchronous SQLite transaction, so two copies of a request can never both sign.
 */
import { createHmac } from 'node:crypto'
import { type ErrorCode, statusOf } from '../shared/errors.ts'
import type { Failure } from '../shared/result.ts'
import { SIGNER_MAX_CLOCK_SKEW_MS, SignerEnvelopeSchema } from '../shared/schemas/signer-rpc.ts'
import type { ApprovalStore } from './approvals/store.ts'
import type { AuditLog } from './audit/chain.ts'
import { canonicalJson } from './canonical-json.ts'
import type { Keyring } from './crypto/keyring.ts'
import type { AccountStore } from './keystore/accounts.ts'
import type { Db } from './keystore/db.ts'
import type { RequestStore } from './keystore/requests.ts'
import type { SpendingStore } from './keystore/spending.ts'
import type { UserStore } from './keystore/users.ts'
import type { MethodContext, Outcome } from './methods/context.ts'
import type { Policy } from './policy/config.ts'
import type { UserPolicyStore } from './policy/store.ts'
import type { Prepared } from './prepare.ts'
import { routeOf, validationMessage } from './routes.ts'
import type { AuditHead } from './store/types.ts'
import type { Checked } from './user-proof/verify.ts'

export type Reply = {
  readonly status: number
  readonly body: string
  readonly code: ErrorCode | undefined
  readonly requestId: string | undefined
  readonly replayed: boolean
  /** The audit chain's head after this request's transaction; undefined for a reply that never reached it. */
  readonly auditHead: AuditHead | undefined
}

export type DispatchDeps = {
  readonly db: Db
  readonly accounts: AccountStore
  readonly requests: RequestStore
  readonly audit: AuditLog
  readonly keyring: Keyring
  readonly networkPassphrase: string
  /** HMAC key for request fingerprints, so an imported seed in params is never stored, even hashed plainly. */
  readonly fingerprintKey: Uint8Array
  readonly clock: () => number
  readonly policy: Policy
  readonly spending: SpendingStore
  readonly approvals: ApprovalStore
  readonly userPolicies: UserPolicyStore
  readonly newId: (prefix: string) => string
  readonly users: UserStore
  readonly nonce: () => Uint8Array
  readonly recoveryKey: Uint8Array
}

export const errorReply = (error: Failure, requestId?: string): Reply => ({
  status: statusOf(error.code),
  // `details` only ever carries what the caller may see (ERR_APPROVAL_REQUIRED's approval id and amounts).
  body: JSON.stringify({
    ok: false,
    error: { code: error.code, message: error.message, ...detailsOf(error) },
  }),
  code: error.code,
  requestId,
  replayed: false,
  auditHead: undefined,
})

const detailsOf = (error: Failure): { details?: unknown } =>
  'details' in error && error.details !== undefined ? { details: error.details } : {}

export function createDispatcher(deps: DispatchDeps) {
  const fingerprint = (userId: string, method: string, params: unknown): string =>
    createHmac('sha256', deps.fingerprintKey)
      .update(canonicalJson([userId, method, params]))
      .digest('base64url')

  const outcomeReply = (outcome: Outcome<unknown>, requestId: string): Reply =>
    outcome.response.ok
      ? {
          status: 200,
          body: JSON.stringify({ ok: true, result: outcome.response.value }),
          code: undefined,
          requestId,
          replayed: false,
          auditHead: undefined,
        }
      : errorReply(outcome.response.error, requestId)

  /**
   * `checked`: what the WebAuthn pre-check (user-proof/verify.ts) found in this very body; `prepared`: what
   * signer/prepare.ts did with a sealed seed (import) or for an export whose pre-checked proof matched.
   */
  return function dispatch(
    method: string,
    body: unknown,
    checked: Checked = {},
    prepared: Prepared | undefined = undefined,
  ): Reply {
    const route = routeOf(method)
    if (!route) return errorReply({ code: 'ERR_SIGNER_UNKNOWN_METHOD', message: 'unknown method' })
    const envelope = SignerEnvelopeSchema.safeParse(body)
    if (!envelope.success)
      return errorReply({ code: 'ERR_VALIDATION', message: validationMessage(envelope.error) })
    const { requestId, issuedAt, userId, params } = envelope.data
    const nowMs = deps.clock()
    // Bounds replay of a captured request to the window the idempotency records cover.
    if (Math.abs(nowMs - issuedAt) > SIGNER_MAX_CLOCK_SKEW_MS) {
      return errorReply(
        { code: 'ERR_SIGNER_REQUEST_STALE', message: 'issuedAt is outside the allowed window' },
        requestId,
      )
    }
    const print = fingerprint(userId, method, params)
    const ctx: MethodContext = {
      userId,
      requestId,
      now: new Date(nowMs),
      accounts: deps.accounts,
      audit: deps.audit,
      keyring: deps.keyring,
      networkPassphrase: deps.networkPassphrase,
      policy: deps.policy,
      spending: deps.spending,
      approvals: deps.approvals,
      userPolicies: deps.userPolicies,
      newId: deps.newId,
      users: deps.users,
      checked,
      nonce: deps.nonce,
      recoveryKey: deps.recoveryKey,
      prepared,
    }
    const work = deps.db.transaction((): Reply => {
      const seen = deps.requests.get(requestId)
      if (seen && seen.fingerprint !== print) {
        return {
          ...errorReply(
            {
              code: 'ERR_SIGNER_REQUEST_CONFLICT',
              message: 'requestId was already used for another request',
            },
            requestId,
          ),
          auditHead: deps.audit.head(),
        }
      }
      if (seen && seen.response !== null) {
        const auditHead = deps.audit.head()
        return {
          status: seen.status,
          body: seen.response,
          code: undefined,
          requestId,
          replayed: true,
          auditHead,
        }
      }
      // First sight, or a retry of a secret-bearing read whose response was deliberately not kept.
      const outcome = route.run(ctx, params)
      const auditHead = deps.audit.append({
        at: ctx.now.toISOString(),
        request_id: requestId,
        method,
        user_id: userId,
        account_id: outcome.accountId,
        tx_hash: outcome.txHash,
        decision: outcome.response.ok ? 'allow' : 'deny',
        reason_code: outcome.response.ok ? null : outcome.response.error.code,
        // The refusal's reason in words (e.g. which operation, which cap), kept with its code.
        reason: outcome.response.ok ? null : outcome.response.error.message,
      })
      const reply = { ...outcomeReply(outcome, requestId), auditHead }
      if (!seen) {
        deps.requests.insert({
          request_id: requestId,
          fingerprint: print,
          status: reply.status,
          response: route.secretResult && outcome.response.ok ? null : reply.body,
          created_ms: nowMs,
        })
      }
      return seen ? { ...reply, replayed: true } : reply
    })
    return work.immediate()
  }
}
