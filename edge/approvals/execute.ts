/**
 * What an approval is for: moving the money. Once the passkey assertion is verified and the signer has
 * marked the approval approved, the edge simulates the transaction again (state may have moved since it was
 * proposed), has the signer sign exactly the approved XDR under that approval id (the signer re-checks the
 * hash and uses the approval once), and submits it: Horizon for classic, Soroban RPC for contract calls.
 */
import { TransactionBuilder } from '@stellar/stellar-sdk/base'
import { AppError } from '../../shared/errors.ts'
import type { Approval } from '../../shared/schemas/signer-rpc.ts'
import type { Config } from '../config.ts'
import type { SignerCall } from '../signer-client/client.ts'
import { Horizon } from '../stellar/horizon.ts'
import { type Preview, simulateClassic } from '../stellar/simulate.ts'
import { SorobanRpc } from '../stellar/soroban-rpc.ts'

export type Executed = {
  readonly hash: string
  readonly ledger: number
  readonly fee: string | null
  readonly preview: Preview | null
}

export async function executeApproved(
  signer: SignerCall,
  config: Config,
  userId: string,
  approval: Approval,
  signal: AbortSignal,
): Promise<Executed> {
  const { network } = config
  let decoded: ReturnType<typeof TransactionBuilder.fromXDR>
  try {
    decoded = TransactionBuilder.fromXDR(approval.xdr, network.passphrase)
  } catch {
    throw new AppError('ERR_TX_INVALID', 'the approved transaction does not decode')
  }
  const inner = 'innerTransaction' in decoded ? decoded.innerTransaction : decoded
  const contractCall = inner.operations.some((op) => op.type === 'invokeHostFunction')
  const horizon = new Horizon(network)
  let preview: Preview | null = null
  if (!contractCall) {
    const simulated = await simulateClassic(horizon, decoded)
    if (!simulated.ok) throw new AppError(simulated.error.code, simulated.error.message)
    preview = simulated.value
  }
  const signed = await signer('tx.sign', userId, {
    accountId: approval.accountId,
    xdr: approval.xdr,
    approvalId: approval.approvalId,
    networkPassphrase: network.passphrase,
  })
  if (contractCall) {
    const r = await new SorobanRpc(network).sendAndWait(signed.signedXdr, signal)
    return { hash: r.hash, ledger: r.ledger, fee: r.fee, preview }
  }
  const r = await horizon.submit(signed.signedXdr)
  return { hash: r.hash, ledger: r.ledger, fee: r.feeCharged ?? null, preview }
}
