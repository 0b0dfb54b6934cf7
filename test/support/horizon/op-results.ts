/**
 * Operation outcomes: Horizon's result code string (what `extras.result_codes.operations` carries) paired
 * with the real XDR `OperationResult`, so `result_xdr` decodes with stellar-sdk exactly like the network's.
 */
import { Keypair, type Asset as SdkAsset, xdr } from '@stellar/stellar-sdk/base'
import { type OfferState, toSdkAsset } from './state.ts'

export type OpOutcome = {
  readonly code: string
  readonly xdr: xdr.OperationResult
  /** For path payments: what actually left and arrived, for the operation record. */
  readonly moved?: { readonly sent: bigint; readonly received: bigint }
}

const inner = (tr: xdr.OperationResultTr): xdr.OperationResult => xdr.OperationResult.opInner(tr)

export const opBadAuth = (): OpOutcome => ({ code: 'op_bad_auth', xdr: xdr.OperationResult.opBadAuth() })
export const opNoSource = (): OpOutcome => ({
  code: 'op_no_source_account',
  xdr: xdr.OperationResult.opNoAccount(),
})
export const opNotSupported = (): OpOutcome => ({
  code: 'op_not_supported',
  xdr: xdr.OperationResult.opNotSupported(),
})

const R = xdr.CreateAccountResult
const createAccountCodes = {
  op_success: () => R.createAccountSuccess(),
  op_malformed: () => R.createAccountMalformed(),
  op_underfunded: () => R.createAccountUnderfunded(),
  op_low_reserve: () => R.createAccountLowReserve(),
  op_already_exists: () => R.createAccountAlreadyExist(),
} as const
export function createAccountOutcome(code: keyof typeof createAccountCodes): OpOutcome {
  return { code, xdr: inner(xdr.OperationResultTr.createAccount(createAccountCodes[code]())) }
}

const P = xdr.PaymentResult
const paymentCodes = {
  op_success: () => P.paymentSuccess(),
  op_malformed: () => P.paymentMalformed(),
  op_underfunded: () => P.paymentUnderfunded(),
  op_src_no_trust: () => P.paymentSrcNoTrust(),
  op_no_destination: () => P.paymentNoDestination(),
  op_no_trust: () => P.paymentNoTrust(),
  op_line_full: () => P.paymentLineFull(),
  op_no_issuer: () => P.paymentNoIssuer(),
} as const
export type PaymentCode = keyof typeof paymentCodes
export function paymentOutcome(code: PaymentCode): OpOutcome {
  return { code, xdr: inner(xdr.OperationResultTr.payment(paymentCodes[code]())) }
}

const C = xdr.ChangeTrustResult
const changeTrustCodes = {
  op_success: () => C.changeTrustSuccess(),
  op_malformed: () => C.changeTrustMalformed(),
  op_no_issuer: () => C.changeTrustNoIssuer(),
  op_invalid_limit: () => C.changeTrustInvalidLimit(),
  op_low_reserve: () => C.changeTrustLowReserve(),
  op_self_not_allowed: () => C.changeTrustSelfNotAllowed(),
  op_cannot_delete: () => C.changeTrustCannotDelete(),
} as const
export function changeTrustOutcome(code: keyof typeof changeTrustCodes): OpOutcome {
  return { code, xdr: inner(xdr.OperationResultTr.changeTrust(changeTrustCodes[code]())) }
}

const M = xdr.AccountMergeResult
const mergeCodes = {
  op_malformed: () => M.accountMergeMalformed(),
  op_no_account: () => M.accountMergeNoAccount(),
  op_has_sub_entries: () => M.accountMergeHasSubEntries(),
  op_dest_full: () => M.accountMergeDestFull(),
} as const
export function mergeFailure(code: keyof typeof mergeCodes): OpOutcome {
  return { code, xdr: inner(xdr.OperationResultTr.accountMerge(mergeCodes[code]())) }
}
export function mergeSuccess(moved: bigint): OpOutcome {
  return { code: 'op_success', xdr: inner(xdr.OperationResultTr.accountMerge(M.accountMergeSuccess(moved))) }
}

/** Sell and buy offers share result arms; only the union names differ. */
const offerCodes = {
  op_malformed: ['manageSellOfferMalformed', 'manageBuyOfferMalformed'],
  op_sell_no_trust: ['manageSellOfferSellNoTrust', 'manageBuyOfferSellNoTrust'],
  op_buy_no_trust: ['manageSellOfferBuyNoTrust', 'manageBuyOfferBuyNoTrust'],
  op_line_full: ['manageSellOfferLineFull', 'manageBuyOfferLineFull'],
  op_underfunded: ['manageSellOfferUnderfunded', 'manageBuyOfferUnderfunded'],
  op_cross_self: ['manageSellOfferCrossSelf', 'manageBuyOfferCrossSelf'],
  op_sell_no_issuer: ['manageSellOfferSellNoIssuer', 'manageBuyOfferSellNoIssuer'],
  op_buy_no_issuer: ['manageSellOfferBuyNoIssuer', 'manageBuyOfferBuyNoIssuer'],
  op_offer_not_found: ['manageSellOfferNotFound', 'manageBuyOfferNotFound'],
  op_low_reserve: ['manageSellOfferLowReserve', 'manageBuyOfferLowReserve'],
} as const
export type OfferCode = keyof typeof offerCodes
export type OfferKind = 'manageSellOffer' | 'manageBuyOffer' | 'createPassiveSellOffer'

export function offerFailure(kind: OfferKind, code: OfferCode): OpOutcome {
  const [sellArm, buyArm] = offerCodes[code]
  const tr =
    kind === 'manageBuyOffer'
      ? xdr.OperationResultTr.manageBuyOffer(xdr.ManageBuyOfferResult[buyArm]())
      : kind === 'manageSellOffer'
        ? xdr.OperationResultTr.manageSellOffer(xdr.ManageSellOfferResult[sellArm]())
        : xdr.OperationResultTr.createPassiveSellOffer(xdr.ManageSellOfferResult[sellArm]())
  return { code, xdr: inner(tr) }
}

function offerEntry(o: OfferState): xdr.OfferEntry {
  return new xdr.OfferEntry({
    sellerId: Keypair.fromPublicKey(o.seller).xdrPublicKey(),
    offerId: o.id,
    selling: toSdkAsset(o.selling).toXDRObject(),
    buying: toSdkAsset(o.buying).toXDRObject(),
    amount: o.amount,
    price: new xdr.Price({ n: o.price.n, d: o.price.d }),
    flags: 0,
    ext: xdr.OfferEntryExt.v0(),
  })
}

/** A successful offer operation: created, updated, or deleted (`o` undefined), with the fills it took. */
export function offerSuccess(
  kind: OfferKind,
  effect: 'created' | 'updated' | 'deleted',
  o?: OfferState,
  offersClaimed: xdr.ClaimAtom[] = [],
): OpOutcome {
  const O = xdr.ManageOfferSuccessResultOffer
  const offer =
    effect === 'deleted' || !o
      ? O.manageOfferDeleted()
      : effect === 'created'
        ? O.manageOfferCreated(offerEntry(o))
        : O.manageOfferUpdated(offerEntry(o))
  const success = new xdr.ManageOfferSuccessResult({ offersClaimed, offer })
  const tr =
    kind === 'manageBuyOffer'
      ? xdr.OperationResultTr.manageBuyOffer(xdr.ManageBuyOfferResult.manageBuyOfferSuccess(success))
      : kind === 'manageSellOffer'
        ? xdr.OperationResultTr.manageSellOffer(xdr.ManageSellOfferResult.manageSellOfferSuccess(success))
        : xdr.OperationResultTr.createPassiveSellOffer(
            xdr.ManageSellOfferResult.manageSellOfferSuccess(success),
          )
  return { code: 'op_success', xdr: inner(tr) }
}

const S = xdr.PathPaymentStrictSendResult
const V = xdr.PathPaymentStrictReceiveResult
const pathCodes = {
  op_malformed: [() => S.pathPaymentStrictSendMalformed(), () => V.pathPaymentStrictReceiveMalformed()],
  op_underfunded: [() => S.pathPaymentStrictSendUnderfunded(), () => V.pathPaymentStrictReceiveUnderfunded()],
  op_src_no_trust: [() => S.pathPaymentStrictSendSrcNoTrust(), () => V.pathPaymentStrictReceiveSrcNoTrust()],
  op_no_destination: [
    () => S.pathPaymentStrictSendNoDestination(),
    () => V.pathPaymentStrictReceiveNoDestination(),
  ],
  op_no_trust: [() => S.pathPaymentStrictSendNoTrust(), () => V.pathPaymentStrictReceiveNoTrust()],
  op_line_full: [() => S.pathPaymentStrictSendLineFull(), () => V.pathPaymentStrictReceiveLineFull()],
  op_too_few_offers: [
    () => S.pathPaymentStrictSendTooFewOffers(),
    () => V.pathPaymentStrictReceiveTooFewOffers(),
  ],
  // Each of these exists on one side only; the other side is never asked for it.
  op_under_dest_min: [
    () => S.pathPaymentStrictSendUnderDestmin(),
    () => V.pathPaymentStrictReceiveMalformed(),
  ],
  op_over_source_max: [
    () => S.pathPaymentStrictSendMalformed(),
    () => V.pathPaymentStrictReceiveOverSendmax(),
  ],
} as const
export type PathCode = keyof typeof pathCodes
export type PathKind = 'pathPaymentStrictSend' | 'pathPaymentStrictReceive'

export function pathFailure(kind: PathKind, code: PathCode): OpOutcome {
  const [send, receive] = pathCodes[code]
  const tr =
    kind === 'pathPaymentStrictSend'
      ? xdr.OperationResultTr.pathPaymentStrictSend(send())
      : xdr.OperationResultTr.pathPaymentStrictReceive(receive())
  return { code, xdr: inner(tr) }
}

export function pathSuccess(
  kind: PathKind,
  destination: string,
  destAsset: SdkAsset,
  moved: { sent: bigint; received: bigint },
): OpOutcome {
  const destAmount = moved.received
  const last = new xdr.SimplePaymentResult({
    destination: Keypair.fromPublicKey(destination).xdrPublicKey(),
    asset: destAsset.toXDRObject(),
    amount: destAmount,
  })
  const tr =
    kind === 'pathPaymentStrictSend'
      ? xdr.OperationResultTr.pathPaymentStrictSend(
          xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSuccess(
            new xdr.PathPaymentStrictSendResultSuccess({ offers: [], last }),
          ),
        )
      : xdr.OperationResultTr.pathPaymentStrictReceive(
          xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveSuccess(
            new xdr.PathPaymentStrictReceiveResultSuccess({ offers: [], last }),
          ),
        )
  return { code: 'op_success', xdr: inner(tr), moved }
}
