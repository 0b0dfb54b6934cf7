/**
 * Structural checks before anything is signed: the XDR decodes, the caller's network is ours, and the
 * account we would sign for is the transaction's source, the fee-bump's fee source or an operation's source.
 * Pure: no keys, no I/O.
 *
 * Speed: stellar-sdk's hash() and toXDR() re-serialise the whole transaction (~90 µs together). For v1 and
 * fee-bump envelopes the signed payload is, byte for byte, networkId ‖ envelope[0 .. start of signatures],
 * so we hash that slice of the bytes the SDK just decoded, and later append the signature by splicing.
 * A test pins both against stellar-sdk's own Transaction.sign output; v0 envelopes take the SDK path.
 */
import { createHash } from 'node:crypto'
import { FeeBumpTransaction, type Transaction, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { fail, ok, type Result } from '../../shared/result.ts'
import { baseAccountOf } from '../../shared/schemas/stellar.ts'

const ENVELOPE_TYPE_TX = 2
const ENVELOPE_TYPE_TX_FEE_BUMP = 5

/** The envelope split around its signature count, for appending one signature without re-encoding. */
export type Splice = { readonly head: Buffer; readonly count: number; readonly tail: Buffer }

export type DecodedTx = {
  readonly tx: Transaction | FeeBumpTransaction
  /** The 32-byte hash that gets signed; it commits to the configured network passphrase. */
  readonly hash: Uint8Array
  readonly splice: Splice | undefined
}

export type TxCheckInput = {
  readonly xdr: string
  readonly publicKey: string
  readonly networkPassphrase: string
  /** What the caller believes the network is, if it said. */
  readonly claimedPassphrase: string | undefined
}

const networkIds = new Map<string, Buffer>()
const networkId = (passphrase: string): Buffer => {
  let id = networkIds.get(passphrase)
  if (!id) {
    id = createHash('sha256').update(passphrase).digest()
    networkIds.set(passphrase, id)
  }
  return id
}

export function decodeAndCheck(input: TxCheckInput): Result<DecodedTx> {
  if (input.claimedPassphrase !== undefined && input.claimedPassphrase !== input.networkPassphrase) {
    return fail('ERR_TX_NETWORK_MISMATCH', 'transaction is for another network')
  }
  const bytes = Buffer.from(input.xdr, 'base64')
  // Non-canonical base64 could decode differently elsewhere; what we check must be what we sign.
  if (bytes.toString('base64') !== input.xdr) return fail('ERR_TX_INVALID', 'xdr is not canonical base64')
  let tx: Transaction | FeeBumpTransaction
  try {
    tx = TransactionBuilder.fromXDR(input.xdr, input.networkPassphrase)
  } catch {
    return fail('ERR_TX_INVALID', 'xdr is not a transaction envelope')
  }
  if (!signsFor(tx, input.publicKey)) {
    return fail('ERR_TX_SOURCE_MISMATCH', 'account is not a source of this transaction')
  }
  const splice = spliceOf(bytes, tx)
  const hash = splice
    ? createHash('sha256').update(networkId(input.networkPassphrase)).update(splice.head).digest()
    : tx.hash()
  return ok({ tx, hash: new Uint8Array(hash), splice })
}

/** Whether a signature by `publicKey` is one this envelope can need (stops signing unrelated envelopes). */
function signsFor(tx: Transaction | FeeBumpTransaction, publicKey: string): boolean {
  if (tx instanceof FeeBumpTransaction) return baseAccountOf(tx.feeSource) === publicKey
  if (baseAccountOf(tx.source) === publicKey) return true
  return tx.operations.some((op) => op.source !== undefined && baseAccountOf(op.source) === publicKey)
}

const pad4 = (n: number): number => (n + 3) & ~3

/** Locates the signature array (the envelope's last field) from the decoded signatures; undefined if unsure. */
function spliceOf(bytes: Buffer, tx: Transaction | FeeBumpTransaction): Splice | undefined {
  if (bytes.length < 8) return undefined
  const type = bytes.readUInt32BE(0)
  if (type !== ENVELOPE_TYPE_TX && type !== ENVELOPE_TYPE_TX_FEE_BUMP) return undefined
  let sigBytes = 4
  for (const s of tx.signatures) sigBytes += 4 + 4 + pad4(s.signature.value.length)
  const start = bytes.length - sigBytes
  if (start <= 4 || bytes.readUInt32BE(start) !== tx.signatures.length) return undefined
  return { head: bytes.subarray(0, start), count: tx.signatures.length, tail: bytes.subarray(start + 4) }
}
