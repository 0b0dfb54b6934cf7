/**
 * The signing step: the signer signs for the caller's account under the network passphrase (a transaction
 * built for another network is refused there too). A policy refusal or an approval request is a value, not
 * a throw, and ERR_APPROVAL_REQUIRED keeps the signer's typed approval details.
 */
import { POLICY_REFUSAL_CODES } from '../../shared/errors.ts'
import { err, ok, type Result } from '../../shared/result.ts'
import { SignerRefusal } from '../signer-client/client.ts'
import type { Services } from './services.ts'
import type { Refusal } from './types.ts'

const REFUSALS = new Set<string>(POLICY_REFUSAL_CODES)

export type SignRequest = {
  readonly userId: string
  readonly accountId: string
  readonly xdr: string
  readonly networkPassphrase: string
  /** Signs exactly this approved transaction (the signer re-checks the hash and uses the approval once). */
  readonly approvalId?: string
}

export async function sign(
  svc: Services,
  req: SignRequest,
): Promise<Result<{ signedXdr: string; hash: string }, Refusal>> {
  try {
    const signed = await svc.signer('tx.sign', req.userId, {
      accountId: req.accountId,
      xdr: req.xdr,
      networkPassphrase: req.networkPassphrase,
      ...(req.approvalId ? { approvalId: req.approvalId } : {}),
    })
    return ok(signed)
  } catch (e) {
    if (e instanceof SignerRefusal && REFUSALS.has(e.code)) {
      return err({ code: e.code, message: e.message, ...(e.approval ? { approval: e.approval } : {}) })
    }
    throw e
  }
}
