/**
 * The one way money moves, for the agent's tools, the approvals route and external-wallet mode alike:
 *   prepare (build + simulate, prepare.ts) → preview → sign (sign.ts) → submit (submit.ts) → outcome.
 * In `external` mode nothing is signed: the caller gets the unsigned XDR, the network passphrase and the
 * preview, and sends the wallet-signed envelope to /api/transactions/submit-signed (submitWalletSigned).
 * A second path that signs or submits elsewhere is what this module exists to prevent.
 */

import { TransactionBuilder } from '@stellar/stellar-sdk/base'
import { AppError } from '../../shared/errors.ts'
import type { NetworkConfig } from '../../shared/network.ts'
import type { ChatMode } from '../../shared/schemas/chat-events.ts'
import type { Approval } from '../../shared/schemas/signer-rpc.ts'
import { hex } from '../lib/crypto.ts'
import { checkSignedEnvelope } from '../stellar/signed-envelope.ts'
import { previewExisting } from './prepare.ts'
import type { Services } from './services.ts'
import { sign } from './sign.ts'
import { submit } from './submit.ts'
import type { MoneyPreview, MoveOutcome, Prepared, Submitted } from './types.ts'

export type MoveRequest = {
  readonly network: NetworkConfig
  readonly mode: ChatMode
  /** The signed-in caller; undefined only reaches here in external mode. */
  readonly userId: string | undefined
  /** The signer's id for the caller's account whose key signs. */
  readonly accountId: string
  readonly prepared: Prepared
  readonly signal: AbortSignal
}

export async function move(svc: Services, req: MoveRequest): Promise<MoveOutcome> {
  const { tx, preview } = req.prepared
  const unsignedXdr = tx.toXDR()
  const passphrase = req.network.passphrase
  if (req.mode === 'external') {
    return {
      status: 'unsigned',
      unsignedXdr,
      networkPassphrase: passphrase,
      preview,
      submitTo: '/api/transactions/submit-signed',
    }
  }
  if (req.userId === undefined) throw new AppError('ERR_AUTH_REQUIRED', 'sign in to move money')
  const signed = await sign(svc, {
    userId: req.userId,
    accountId: req.accountId,
    xdr: unsignedXdr,
    networkPassphrase: passphrase,
  })
  if (!signed.ok) return { status: 'refused', txHash: hex(tx.hash()), preview, ...signed.error }
  return {
    status: 'submitted',
    preview,
    ...(await submit(svc, passphrase, signed.value.signedXdr, req.signal)),
  }
}

/**
 * An approval the user has just approved with a passkey: simulate the stored transaction again (state may
 * have moved since it was proposed), have the signer sign exactly that XDR under the approval id, submit.
 */
export async function moveApproved(
  svc: Services,
  network: NetworkConfig,
  userId: string,
  approval: Approval,
  signal: AbortSignal,
): Promise<Submitted & { readonly preview: MoneyPreview }> {
  let decoded: ReturnType<typeof TransactionBuilder.fromXDR>
  try {
    decoded = TransactionBuilder.fromXDR(approval.xdr, network.passphrase)
  } catch {
    throw new AppError('ERR_TX_INVALID', 'the approved transaction does not decode')
  }
  const preview = await previewExisting(svc, decoded)
  if (!preview.ok) throw new AppError(preview.error.code, preview.error.message)
  const signed = await sign(svc, {
    userId,
    accountId: approval.accountId,
    xdr: approval.xdr,
    networkPassphrase: network.passphrase,
    approvalId: approval.approvalId,
  })
  if (!signed.ok) throw new AppError(signed.error.code, signed.error.message)
  return {
    preview: preview.value,
    ...(await submit(svc, network.passphrase, signed.value.signedXdr, signal)),
  }
}

/** The hash the network knows an envelope by (a fee bump's own), or undefined when it does not decode. */
export function envelopeHash(xdr: string, passphrase: string): string | undefined {
  try {
    return hex(TransactionBuilder.fromXDR(xdr, passphrase).hash())
  } catch {
    return undefined
  }
}

/** The transaction inside an envelope, by hash: what an unsigned offer and its signed envelope share. */
function innerHash(xdr: string, passphrase: string): string | undefined {
  try {
    const tx = TransactionBuilder.fromXDR(xdr, passphrase)
    return hex(('innerTransaction' in tx ? tx.innerTransaction : tx).hash())
  } catch {
    return undefined
  }
}

/**
 * External-wallet mode's second half: the envelope must verify for our network, then the same submit. With
 * `offered` (the unsigned XDR a thread's step handed to the wallet), it must be that very transaction: the
 * thread then records this outcome against that step, and a different transaction would make it lie.
 */
export async function submitWalletSigned(
  svc: Services,
  network: NetworkConfig,
  xdr: string,
  signal: AbortSignal,
  offered?: string,
): Promise<Submitted> {
  const checked = checkSignedEnvelope(xdr, network.passphrase)
  if (!checked.ok) throw new AppError(checked.error.code, checked.error.message)
  if (offered !== undefined) {
    const want = innerHash(offered, network.passphrase)
    if (want === undefined || want !== innerHash(xdr, network.passphrase))
      throw new AppError('ERR_TX_INVALID', 'this is not the transaction that step offered to sign')
  }
  return submit(svc, network.passphrase, xdr, signal)
}
