/**
 * The one route table: every RPC method the signer serves, its params schema (from shared/), its handler,
 * and whether its result carries a secret. Anything not listed here does not exist (deny by default).
 */
import type { z } from 'zod'
import {
  SIGNER_METHODS,
  type SignerMethod,
  type SignerParams,
  type SignerResult,
} from '../shared/schemas/signer-rpc.ts'
import { accountsCreate } from './methods/accounts-create.ts'
import { accountsDelete } from './methods/accounts-delete.ts'
import { accountsExport } from './methods/accounts-export.ts'
import { accountsImport } from './methods/accounts-import.ts'
import { accountsGet, accountsList } from './methods/accounts-read.ts'
import { approvalsApprove, approvalsReject } from './methods/approvals-decide.ts'
import { approvalsGet, approvalsList } from './methods/approvals-read.ts'
import { auditList } from './methods/audit-list.ts'
import { type MethodContext, type Outcome, refused } from './methods/context.ts'
import { passkeysAdd, passkeysRemove, recoveryRedeem } from './methods/passkeys.ts'
import { policyGet, policySet } from './methods/policy-limits.ts'
import { txSign } from './methods/tx-sign.ts'
import { userChallenge } from './methods/user-challenge.ts'
import { usersRegister } from './methods/users-register.ts'

export type Route = {
  /** Parses params strictly (unknown keys refused) and runs the handler. */
  run(ctx: MethodContext, rawParams: unknown): Promise<Outcome<unknown>>
  /** Result contains a secret: never persisted by the idempotency layer. */
  readonly secretResult: boolean
}

export function validationMessage(error: z.ZodError): string {
  const first = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
  return first.join('; ')
}

function route<M extends SignerMethod>(
  method: M,
  handler: (ctx: MethodContext, params: SignerParams<M>) => Promise<Outcome<SignerResult<M>>>,
  secretResult = false,
): Route {
  const schema = SIGNER_METHODS[method].params as unknown as z.ZodType<SignerParams<M>>
  return {
    secretResult,
    async run(ctx, rawParams) {
      const parsed = schema.safeParse(rawParams)
      if (!parsed.success) {
        return refused({ code: 'ERR_VALIDATION', message: `params.${validationMessage(parsed.error)}` })
      }
      return handler(ctx, parsed.data)
    },
  }
}

export const ROUTES: Readonly<Record<SignerMethod, Route>> = Object.freeze({
  'accounts.create': route('accounts.create', accountsCreate),
  'accounts.import': route('accounts.import', accountsImport),
  'accounts.list': route('accounts.list', accountsList),
  'accounts.get': route('accounts.get', accountsGet),
  'accounts.export': route('accounts.export', accountsExport, true),
  'accounts.delete': route('accounts.delete', accountsDelete),
  'tx.sign': route('tx.sign', txSign),
  'audit.list': route('audit.list', auditList),
  'approvals.list': route('approvals.list', approvalsList),
  'approvals.get': route('approvals.get', approvalsGet),
  'approvals.approve': route('approvals.approve', approvalsApprove),
  'approvals.reject': route('approvals.reject', approvalsReject),
  'policy.get': route('policy.get', policyGet),
  'policy.set': route('policy.set', policySet),
  'user.challenge': route('user.challenge', userChallenge),
  'users.register': route('users.register', usersRegister),
  'passkeys.add': route('passkeys.add', passkeysAdd),
  'passkeys.remove': route('passkeys.remove', passkeysRemove),
  'recovery.redeem': route('recovery.redeem', recoveryRedeem),
})

export function routeOf(method: string): Route | undefined {
  return Object.hasOwn(ROUTES, method) ? ROUTES[method as SignerMethod] : undefined
}
