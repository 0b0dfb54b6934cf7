/** Transactions for tests, built with stellar-sdk; keys are generated at run time, never committed. */
import {
  Account,
  Asset,
  type FeeBumpTransaction,
  Keypair,
  MuxedAccount,
  Networks,
  Operation,
  type Transaction,
  TransactionBuilder,
} from '@stellar/stellar-sdk/base'

const DEST = Keypair.random().publicKey()

export function paymentTx(
  source: string,
  opts: { passphrase?: string; opSource?: string } = {},
): Transaction {
  const account = source.startsWith('M')
    ? MuxedAccount.fromAddress(source, '100')
    : new Account(source, '100')
  const builder = new TransactionBuilder(account, {
    fee: '100',
    networkPassphrase: opts.passphrase ?? Networks.TESTNET,
  })
  builder.addOperation(
    Operation.payment({
      destination: DEST,
      asset: Asset.native(),
      amount: '1',
      ...(opts.opSource ? { source: opts.opSource } : {}),
    }),
  )
  return builder.setTimeout(300).build()
}

export const paymentXdr = (source: string, opts: { passphrase?: string; opSource?: string } = {}): string =>
  paymentTx(source, opts).toEnvelope().toXDR('base64')

export function feeBumpXdr(feeSource: string, innerSource: Keypair): string {
  const inner = paymentTx(innerSource.publicKey())
  inner.sign(innerSource)
  const bump = TransactionBuilder.buildFeeBumpTransaction(feeSource, '200', inner, Networks.TESTNET)
  return bump.toEnvelope().toXDR('base64')
}

/** Decodes a signed envelope and verifies its signatures the way a validator would (stellar-sdk). */
export function verifySigned(signedXdr: string, publicKey: string): { hash: string; valid: boolean } {
  const tx = TransactionBuilder.fromXDR(signedXdr, Networks.TESTNET) as Transaction | FeeBumpTransaction
  const kp = Keypair.fromPublicKey(publicKey)
  const hash = tx.hash()
  const valid = tx.signatures.some(
    (s) => Buffer.from(s.hint.value).equals(kp.signatureHint()) && kp.verify(hash, s.signature.value),
  )
  return { hash: Buffer.from(hash).toString('hex'), valid }
}
