/** Request shapes of /api/approvals and /api/audit (the signer's own schemas cover the answers). */
import { z } from 'zod'
import { ApprovalIdSchema } from '../../shared/schemas/signer-rpc.ts'

export const ApprovalIdParamSchema = z.object({ id: ApprovalIdSchema }).strict()
export const ApprovalsQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(200).optional() })
  .strict()
export const AuditQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).optional(),
    before: z.coerce.number().int().positive().optional(),
  })
  .strict()

/**
 * What the passkey signs over when approving: the approval id and the transaction hash. The challenge is
 * random ‖ SHA-256("tuxedo:approve\n" + this), so the assertion commits to exactly this transaction.
 */
export const approvalBinding = (approvalId: string, txHash: string): string =>
  `tuxedo-approve:v1:${approvalId}:${txHash}`
