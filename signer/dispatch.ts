/**
 * From a parsed HTTP request to a reply: envelope (strict), clock window, idempotency, the method, the
 * audit entry. The idempotency check, the work, the audit entry and the stored response happen in one
 * store transaction (serialised per user on every replica), so two copies of a request can never both sign.
 * Store faults are answers too: the database unreachable is a 503 with nothing written; a row that fails
 * its MAC (StoreTamperedError) is refused with ERR_SIGNER_STORE_TAMPERED (logged by the store with table
 * and key), and the refusal is audited in a transaction of its own, since the request's was rolled back.
 */
import { createHmac } from 'node:crypto'
import { type ErrorCode, statusOf } from '../shared/errors.ts'
import type { Failure } from '../shared/result.ts'
import { SIGNER_MAX_CLOCK_SKEW_MS, SignerEnvelopeSchema } from '../shared/schemas/signer-rpc.ts'
import { canonicalJson } from './canonical-json.ts'
import type { Keyring } from './crypto/keyring.ts'
import type { MethodContext, Outcome } from './methods/context.ts'
import type { Policy } from './policy/config.ts'
import type { Prepared } from './prepare.ts'
import { type Route, routeOf, validationMessage } from './routes.ts'
import {
  type AuditFields,
  type AuditHead,
  type Store,
  StoreTamperedError,
  StoreUnavailableError,
  type Tx,
} from './store/types.ts'
import type { Checked } from './user-proof/verify.ts'

export type Reply = {
  readonly status: number
  readonly body: string
  readonly code: ErrorCode | undefined
  readonly requestId: string | undefined
  readonly replayed: boolean
  /**
   * The audit head after this request: its own entry's, or the current head for a replay. Undefined for a
   * reply that never reached the store (bad envelope, stale, unknown method, store unavailable).
   */
  readonly auditHead: AuditHead | undefined
}

export type DispatchDeps = {
  readonly store: Store
  readonly keyring: Keyring
  readonly networkPassphrase: string
  /** HMAC key for request fingerprints, so an imported seed in params is never stored, even hashed plainly. */
  readonly fingerprintKey: Uint8Array
  readonly clock: () => number
  readonly policy: Policy
  readonly newId: (prefix: string) => string
  readonly nonce: () => Uint8Array
  readonly recoveryKey: Uint8Array
}

export type Dispatch = (
  method: string,
  body: unknown,
  checked?: Checked,
  prepared?: Prepared,
) => Promise<Reply>

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

const STORE_TAMPERED: Failure = {
  code: 'ERR_SIGNER_STORE_TAMPERED',
  message: 'the signer refused: stored data failed its integrity check',
}
const STORE_UNAVAILABLE: Failure = { code: 'ERR_SIGNER_UNAVAILABLE', message: 'signer database unavailable' }

export function createDispatcher(deps: DispatchDeps): Dispatch {
  const fingerprint = (userId: string, method: string, params: unknown): string =>
    createHmac('sha256', deps.fingerprintKey)
      .update(canonicalJson([userId, method, params]))
      .digest('base64url')

  const outcomeReply = (outcome: Outcome<unknown>, requestId: string, auditHead: AuditHead): Reply =>
    outcome.response.ok
      ? {
          status: 200,
          body: JSON.stringify({ ok: true, result: outcome.response.value }),
          code: undefined,
          requestId,
          replayed: false,
          auditHead,
        }
      : { ...errorReply(outcome.response.error, requestId), auditHead }

  type Request = {
    readonly method: string
    readonly route: Route
    readonly requestId: string
    readonly userId: string
    readonly params: unknown
    readonly print: string
    readonly nowMs: number
    readonly checked: Checked
    readonly prepared: Prepared | undefined
  }

  const auditFields = (r: Request, outcome: Outcome<unknown>): AuditFields => ({
    at: new Date(r.nowMs).toISOString(),
    request_id: r.requestId,
    method: r.method,
    user_id: r.userId,
    account_id: outcome.accountId,
    tx_hash: outcome.txHash,
    decision: outcome.response.ok ? 'allow' : 'deny',
    reason_code: outcome.response.ok ? null : outcome.response.error.code,
    // The refusal's reason in words (e.g. which operation, which cap), kept with its code.
    reason: outcome.response.ok ? null : outcome.response.error.message,
  })

  /** The whole request inside its transaction: idempotency, method, audit entry, stored response. */
  async function work(r: Request, tx: Tx): Promise<Reply> {
    const seen = await tx.requests.get(r.requestId)
    if (seen && seen.fingerprint !== r.print) {
      return {
        ...errorReply(
          { code: 'ERR_SIGNER_REQUEST_CONFLICT', message: 'requestId was already used for another request' },
          r.requestId,
        ),
        auditHead: await tx.audit.head(),
      }
    }
    if (seen && seen.response !== null) {
      return {
        status: seen.status,
        body: seen.response,
        code: undefined,
        requestId: r.requestId,
        replayed: true,
        auditHead: await tx.audit.head(),
      }
    }
    // First sight, or a retry of a secret-bearing read whose response was deliberately not kept.
    const ctx: MethodContext = {
      userId: r.userId,
      requestId: r.requestId,
      now: new Date(r.nowMs),
      tx,
      keyring: deps.keyring,
      networkPassphrase: deps.networkPassphrase,
      policy: deps.policy,
      newId: deps.newId,
      checked: r.checked,
      nonce: deps.nonce,
      recoveryKey: deps.recoveryKey,
      prepared: r.prepared,
    }
    const outcome = await r.route.run(ctx, r.params)
    const head = await tx.audit.append(auditFields(r, outcome))
    const reply = outcomeReply(outcome, r.requestId, head)
    if (!seen) {
      await tx.requests.insert({
        request_id: r.requestId,
        fingerprint: r.print,
        status: reply.status,
        response: r.route.secretResult && outcome.response.ok ? null : reply.body,
        created_ms: r.nowMs,
      })
    }
    return seen ? { ...reply, replayed: true } : reply
  }

  /** The tampered row's refusal, audited on its own (the request's transaction rolled back). */
  async function refuseTampered(r: Request): Promise<Reply> {
    const refusal: Outcome<unknown> = {
      response: { ok: false, error: STORE_TAMPERED },
      accountId: null,
      txHash: null,
    }
    let head: AuditHead | undefined
    try {
      head = await deps.store.transaction(r.userId, (tx) => tx.audit.append(auditFields(r, refusal)))
    } catch {
      head = undefined
    }
    return { ...errorReply(STORE_TAMPERED, r.requestId), auditHead: head }
  }

  /**
   * `checked`: what the WebAuthn pre-check (user-proof/verify.ts) found in this very body; `prepared`: what
   * signer/prepare.ts did with a sealed seed (import) or for an export whose pre-checked proof matched.
   */
  return async function dispatch(method, body, checked = {}, prepared = undefined) {
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
    const r: Request = {
      method,
      route,
      requestId,
      userId,
      params,
      print: fingerprint(userId, method, params),
      nowMs,
      checked,
      prepared,
    }
    try {
      return await deps.store.transaction(userId, (tx) => work(r, tx))
    } catch (e) {
      if (e instanceof StoreUnavailableError) return errorReply(STORE_UNAVAILABLE, requestId)
      if (e instanceof StoreTamperedError) return refuseTampered(r)
      throw e
    }
  }
}
