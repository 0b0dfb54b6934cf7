/**
 * Checks a transaction the user signed in their own wallet before it goes to Horizon: it must decode,
 * carry at least one signature, and at least one signature must verify for its source account under OUR
 * network passphrase (a transaction signed for another network fails here, not at Horizon).
 * Pure: no I/O, so the table tests can hit every branch.
 */
import { FeeBumpTransaction, Keypair, type Transaction, TransactionBuilder } from '@stellar/stellar-sdk/base'
import type { Result } from '../../shared/result.ts'
import { err, fail, ok } from '../../shared/result.ts'

export type CheckedEnvelope = { readonly hash: string; readonly source: string; readonly operations: number }

export function checkSignedEnvelope(xdr: string, passphrase: string): Result<CheckedEnvelope> {
  let decoded: Transaction | FeeBumpTransaction
  try {
    decoded = TransactionBuilder.fromXDR(xdr, passphrase)
  } catch {
    return fail('ERR_TX_INVALID', 'not a transaction envelope')
  }
  const inner = decoded instanceof FeeBumpTransaction ? decoded.innerTransaction : decoded
  if (inner.operations.length === 0) return fail('ERR_TX_INVALID', 'transaction has no operations')
  // The outer envelope's signer is the fee source for a fee bump, the tx source otherwise.
  const signer = decoded instanceof FeeBumpTransaction ? decoded.feeSource : inner.source
  if (decoded.signatures.length === 0) return fail('ERR_TX_INVALID', 'transaction is not signed')
  let key: Keypair
  try {
    key = Keypair.fromPublicKey(signer.startsWith('M') ? inner.source : signer)
  } catch {
    return fail('ERR_TX_INVALID', 'transaction source is not an ed25519 account')
  }
  const hash = decoded.hash()
  const verified = decoded.signatures.some((s) => {
    try {
      return key.verify(hash, s.signature)
    } catch {
      return false
    }
  })
  if (!verified) {
    return err({
      code: 'ERR_TX_NETWORK_MISMATCH',
      message:
        'no signature verifies for this network: was it signed for another network, or by another key?',
    })
  }
  return ok({
    hash: Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join(''),
    source: signer,
    operations: inner.operations.length,
  })
}
