/**
 * The last step: a signed envelope goes to Horizon (classic) or Soroban RPC (contract calls, polled until
 * final). The same function serves the agent, an approved transaction and an external wallet's envelope.
 */
import { TransactionBuilder } from '@stellar/stellar-sdk/base'
import { AppError } from '../../shared/errors.ts'
import { viaOf } from './prepare.ts'
import type { Services } from './services.ts'
import type { Submitted } from './types.ts'

export async function submit(
  svc: Services,
  networkPassphrase: string,
  signedXdr: string,
  signal: AbortSignal,
): Promise<Submitted> {
  let tx: ReturnType<typeof TransactionBuilder.fromXDR>
  try {
    tx = TransactionBuilder.fromXDR(signedXdr, networkPassphrase)
  } catch {
    throw new AppError('ERR_TX_INVALID', 'not a transaction envelope')
  }
  if (viaOf(tx) === 'soroban') {
    const r = await svc.soroban.sendAndWait(signedXdr, signal)
    return { hash: r.hash, ledger: r.ledger, fee: r.fee, result: r.returnValue }
  }
  const r = await svc.horizon.submit(signedXdr)
  return { hash: r.hash, ledger: r.ledger, fee: r.feeCharged ?? null }
}
