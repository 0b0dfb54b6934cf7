/**
 * Structural checks before anything is signed: the XDR decodes, the caller's network is ours, and the
 * account we would sign for is the transaction's source, the fee-bump's fee source or an operation's source.
 * Pure: no keys, no I/O.
 */
import { FeeBumpTransaction, type Transaction, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { fail, ok, type Result } from '../../shared/result.ts'
import { baseAccountOf } from '../../shared/schemas/stellar.ts'

export type DecodedTx = {
  readonly tx: Transaction | FeeBumpTransaction
  /** The 32-byte hash that gets signed; it commits to the configured network passphrase. */
  readonly hash: Uint8Array
}

export type TxCheckInput = {
  readonly xdr: string
  readonly publicKey: string
  readonly networkPassphrase: string
  /** What the caller believes the network is, if it said. */
  readonly claimedPassphrase: string | undefined
}

export function decodeAndCheck(input: TxCheckInput): Result<DecodedTx> {
  if (input.claimedPassphrase !== undefined && input.claimedPassphrase !== input.networkPassphrase) {
    return fail('ERR_TX_NETWORK_MISMATCH', 'transaction is for another network')
  }
  let tx: Transaction | FeeBumpTransaction
  try {
    tx = TransactionBuilder.fromXDR(input.xdr, input.networkPassphrase)
  } catch {
    return fail('ERR_TX_INVALID', 'xdr is not a transaction envelope')
  }
  if (!signsFor(tx, input.publicKey)) {
    return fail('ERR_TX_SOURCE_MISMATCH', 'account is not a source of this transaction')
  }
  return ok({ tx, hash: new Uint8Array(tx.hash()) })
}

/** Whether a signature by `publicKey` is one this envelope can need (stops signing unrelated envelopes). */
function signsFor(tx: Transaction | FeeBumpTransaction, publicKey: string): boolean {
  if (tx instanceof FeeBumpTransaction) return baseAccountOf(tx.feeSource) === publicKey
  if (baseAccountOf(tx.source) === publicKey) return true
  return tx.operations.some((op) => op.source !== undefined && baseAccountOf(op.source) === publicKey)
}
