import { AssertionVerifyBodySchema } from '../../shared/schemas/auth.ts'
import {
  ApprovalSchema,
  ApprovalsListResultSchema,
  AuditListResultSchema,
} from '../../shared/schemas/signer-rpc.ts'
import { ApprovalIdParamSchema, ApprovalsQuerySchema, AuditQuerySchema } from '../approvals/schemas.ts'
import type { RouteDoc } from '../openapi.ts'

export const APPROVAL_DOCS: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/approvals',
    summary:
      'Your approvals (transactions above the auto-sign threshold), newest first; a pending one carries ' +
      '`simulation` (what it does now: legs with destinations, fee, what the source keeps)',
    auth: 'session',
    query: ApprovalsQuerySchema,
    response: ApprovalsListResultSchema,
    tag: 'approvals',
  },
  {
    method: 'get',
    path: '/api/approvals/{id}',
    summary:
      'One approval: the transaction (XDR and hash), amounts, status, expiry; `simulation` while pending',
    auth: 'session',
    params: ApprovalIdParamSchema,
    response: ApprovalSchema,
    tag: 'approvals',
  },
  {
    method: 'post',
    path: '/api/approvals/{id}/options',
    summary: 'WebAuthn options whose challenge commits to this approval’s transaction hash',
    auth: 'session',
    params: ApprovalIdParamSchema,
    tag: 'approvals',
  },
  {
    method: 'post',
    path: '/api/approvals/{id}/approve',
    summary:
      'Approve with the passkey assertion over the options’ challenge; the signer then signs only that exact transaction, once',
    auth: 'session',
    params: ApprovalIdParamSchema,
    body: AssertionVerifyBodySchema,
    response: ApprovalSchema,
    tag: 'approvals',
  },
  {
    method: 'post',
    path: '/api/approvals/{id}/reject',
    summary: 'Reject a pending or approved (unused) approval',
    auth: 'session',
    params: ApprovalIdParamSchema,
    response: ApprovalSchema,
    tag: 'approvals',
  },
  {
    method: 'get',
    path: '/api/audit',
    summary: 'Your signer audit entries (sign, deny with reason code, export, import, approve, reject)',
    auth: 'session',
    query: AuditQuerySchema,
    response: AuditListResultSchema,
    tag: 'audit',
  },
]
