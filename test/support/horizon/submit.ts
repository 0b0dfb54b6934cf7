/**
 * `POST /transactions` as stellar-core + Horizon judge it: decode the envelope with the configured passphrase,
 * check source, sequence, time bounds, fee and every signature; then charge the fee, consume the sequence and
 * apply the operations all-or-nothing. Rejections before apply (bad auth, bad seq, …) change nothing, as on
 * the network; a `tx_failed` still costs its fee and sequence number.
 */
import { FeeBumpTransaction, type Transaction, TransactionBuilder, xdr } from '@stellar/stellar-sdk/base'
import type { OpOutcome } from './op-results.ts'
import { type ApplyContext, applyOperation, type RateTable } from './operations.ts'
import { baseAccountId, SignatureSet, thresholdFor } from './signatures.ts'
import { spendableNative, type World } from './state.ts'

export const BASE_FEE = 100n

export type TxCode =
  | 'tx_success'
  | 'tx_failed'
  | 'tx_bad_auth'
  | 'tx_bad_auth_extra'
  | 'tx_bad_seq'
  | 'tx_too_early'
  | 'tx_too_late'
  | 'tx_insufficient_fee'
  | 'tx_insufficient_balance'
  | 'tx_no_account'
  | 'tx_missing_operation'
  | 'tx_fee_bump_inner_success'
  | 'tx_fee_bump_inner_failed'

export type Verdict = {
  readonly code: TxCode
  readonly hash: string
  readonly opCodes: readonly string[]
  /** Per-operation outcomes when the operations were applied (empty on rejection). */
  readonly outcomes: readonly OpOutcome[]
  readonly resultXdr: string
  readonly feeCharged: bigint
  /** The decoded transaction (the inner one for a fee bump) when the envelope parsed. */
  readonly tx: Transaction
  readonly feeAccount: string
  readonly applied: boolean
}

export type SubmitInput = {
  readonly envelope: string
  readonly passphrase: string
  readonly world: World
  readonly baseReserve: bigint
  readonly ledger: number
  readonly rates: RateTable
  readonly nowSeconds: number
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

const TX_RESULT: Record<
  Exclude<TxCode, 'tx_success' | 'tx_failed' | `tx_fee_bump_${string}`>,
  () => xdr.TransactionResultResult
> = {
  tx_bad_auth: () => xdr.TransactionResultResult.txBadAuth(),
  tx_bad_auth_extra: () => xdr.TransactionResultResult.txBadAuthExtra(),
  tx_bad_seq: () => xdr.TransactionResultResult.txBadSeq(),
  tx_too_early: () => xdr.TransactionResultResult.txTooEarly(),
  tx_too_late: () => xdr.TransactionResultResult.txTooLate(),
  tx_insufficient_fee: () => xdr.TransactionResultResult.txInsufficientFee(),
  tx_insufficient_balance: () => xdr.TransactionResultResult.txInsufficientBalance(),
  tx_no_account: () => xdr.TransactionResultResult.txNoAccount(),
  tx_missing_operation: () => xdr.TransactionResultResult.txMissingOperation(),
}

function encodeResult(fee: bigint, result: xdr.TransactionResultResult): string {
  return new xdr.TransactionResult({ feeCharged: fee, result, ext: xdr.TransactionResultExt.v0() }).toXDR(
    'base64',
  )
}

/** Throws on an envelope that does not decode; the caller maps that to `transaction_malformed`. */
export function decodeEnvelope(envelope: string, passphrase: string): Transaction | FeeBumpTransaction {
  return TransactionBuilder.fromXDR(envelope, passphrase)
}

export function judgeAndApply(input: SubmitInput): Verdict {
  const outer = decodeEnvelope(input.envelope, input.passphrase)
  const bump = outer instanceof FeeBumpTransaction ? outer : undefined
  const tx = bump ? bump.innerTransaction : (outer as Transaction)
  const w = input.world
  const opCount = BigInt(tx.operations.length)
  const feeAccount = baseAccountId(bump ? bump.feeSource : tx.source)
  const feeCharged = BASE_FEE * (bump ? opCount + 1n : opCount)
  const hash = hex(outer.hash())
  const reject = (code: keyof typeof TX_RESULT, opCodes: string[] = []): Verdict => ({
    code,
    hash,
    opCodes,
    outcomes: [],
    resultXdr: encodeResult(feeCharged, TX_RESULT[code]()),
    feeCharged: 0n,
    tx,
    feeAccount,
    applied: false,
  })

  // Outer (fee bump) checks: the fee source signs the outer hash and pays for everything.
  let outerSigs: SignatureSet | undefined
  if (bump) {
    const payer = w.accounts.get(feeAccount)
    if (!payer) return reject('tx_no_account')
    if (BigInt(bump.fee) < feeCharged) return reject('tx_insufficient_fee')
    outerSigs = new SignatureSet(bump.hash(), bump.signatures)
    if (!outerSigs.authorises(payer, 'low')) return reject('tx_bad_auth')
  }

  if (tx.operations.length === 0) return reject('tx_missing_operation')
  const sourceId = baseAccountId(tx.source)
  const source = w.accounts.get(sourceId)
  if (!source) return reject('tx_no_account')
  if (BigInt(tx.sequence) !== source.sequence + 1n) return reject('tx_bad_seq')
  const minTime = Number(tx.timeBounds?.minTime ?? '0')
  const maxTime = Number(tx.timeBounds?.maxTime ?? '0')
  if (minTime > 0 && input.nowSeconds < minTime) return reject('tx_too_early')
  if (maxTime > 0 && input.nowSeconds > maxTime) return reject('tx_too_late')
  if (!bump && BigInt(tx.fee) < feeCharged) return reject('tx_insufficient_fee')

  // Every signature is checked against the hash this passphrase yields: a tx signed for another network fails here.
  const sigs = new SignatureSet(tx.hash(), tx.signatures)
  if (!sigs.authorises(source, 'low')) return reject('tx_bad_auth')
  const opAuth = tx.operations.map((op) => {
    const acct = w.accounts.get(baseAccountId(op.source ?? tx.source))
    // A missing op source is judged at apply time (op_no_source_account).
    return acct === undefined || sigs.authorises(acct, thresholdFor(op.type))
  })
  if (opAuth.some((ok) => !ok)) {
    return reject(
      'tx_bad_auth',
      opAuth.map((ok) => (ok ? 'op_success' : 'op_bad_auth')),
    )
  }
  if (!sigs.allUsed || (outerSigs && !outerSigs.allUsed)) return reject('tx_bad_auth_extra')

  const payer = w.accounts.get(feeAccount)
  if (!payer || spendableNative(w, payer, input.baseReserve) < feeCharged)
    return reject('tx_insufficient_balance')

  // Past validation: the fee and the sequence number are spent whatever the operations do.
  payer.native -= feeCharged
  source.sequence += 1n
  const draft = structuredClone(w)
  const ctx: ApplyContext = {
    world: draft,
    baseReserve: input.baseReserve,
    ledger: input.ledger,
    rates: input.rates,
  }
  const outcomes = tx.operations.map((op) => applyOperation(ctx, op, tx.source))
  const ok = outcomes.every((o) => o.code === 'op_success')
  if (ok) {
    w.accounts = draft.accounts
    w.offers = draft.offers
    w.nextOfferId = draft.nextOfferId
    w.trades = draft.trades
  }
  const opResults = outcomes.map((o) => o.xdr)
  const opCodes = ok ? [] : outcomes.map((o) => o.code)
  let result: xdr.TransactionResultResult
  if (bump) {
    const innerResult = new xdr.InnerTransactionResult({
      feeCharged: 0n,
      result: ok
        ? xdr.InnerTransactionResultResult.txSuccess(opResults)
        : xdr.InnerTransactionResultResult.txFailed(opResults),
      ext: xdr.InnerTransactionResultExt.v0(),
    })
    const pair = new xdr.InnerTransactionResultPair({ transactionHash: tx.hash(), result: innerResult })
    result = ok
      ? xdr.TransactionResultResult.txFeeBumpInnerSuccess(pair)
      : xdr.TransactionResultResult.txFeeBumpInnerFailed(pair)
  } else {
    result = ok
      ? xdr.TransactionResultResult.txSuccess(opResults)
      : xdr.TransactionResultResult.txFailed(opResults)
  }
  return {
    code: ok
      ? bump
        ? 'tx_fee_bump_inner_success'
        : 'tx_success'
      : bump
        ? 'tx_fee_bump_inner_failed'
        : 'tx_failed',
    hash,
    opCodes,
    outcomes,
    resultXdr: encodeResult(feeCharged, result),
    feeCharged,
    tx,
    feeAccount,
    applied: ok,
  }
}
