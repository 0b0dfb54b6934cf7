/**
 * The signer's own reading of a transaction, in words, for the person asked to approve it: one line per
 * operation (what leaves, to whom, in full), the most it can cost in fees, and the memo. Pure: built from
 * the decoded envelope the signer will sign, never from what the edge or the model says it is.
 *
 * Threat: an approval card that shows the model's description ("pay Alice 50 XLM") while the transaction
 * pays someone else. What a person approves must be what is signed, so the words come from the XDR.
 */
import {
  Address,
  type Asset,
  FeeBumpTransaction,
  type LiquidityPoolAsset,
  type OperationRecord,
  type Transaction,
  type xdr,
} from '@stellar/stellar-sdk/base'
import { fromStroops, toStroops } from '../../shared/schemas/money.ts'
import type { PreviewLine, SignerPreview } from '../../shared/schemas/signer-rpc.ts'
import { baseAccountOf } from '../../shared/schemas/stellar.ts'
import { assetKey, buyOfferMaxSold, rawBodyOf } from './effects.ts'
import { feeCharged } from './fees.ts'
import { type SorobanContext, sorobanPreviewLines } from './soroban.ts'

export type PreviewContext = {
  /** The signing account (G…). */
  readonly signer: string
  /** Token contract id → asset key, from the policy: names the token a contract call is made on. */
  readonly tokenContracts: ReadonlyMap<string, string>
  /** The Soroban reading context (soroban.ts `sorobanContext`): contract calls are read by the decoders. */
  readonly soroban?: SorobanContext
}

/** "10.0000000" → "10": the SDK's fixed seven places, shortened without rounding. */
const amount = (s: string): string => fromStroops(toStroops(s))
const assetText = (a: Asset): string => (a.isNative() ? 'XLM' : `${a.getCode()} (issuer ${a.getIssuer()})`)
const keyText = (key: string): string => (key === 'native' ? 'XLM' : `${key.replace(':', ' (issuer ')})`)
const MAX_LIMIT = '922337203685.4775807'

export function buildPreview(envelope: Transaction | FeeBumpTransaction, ctx: PreviewContext): SignerPreview {
  const bump = envelope instanceof FeeBumpTransaction
  const tx = bump ? envelope.innerTransaction : envelope
  const lines: PreviewLine[] = []
  if (bump && baseAccountOf(tx.source) !== ctx.signer) {
    lines.push({ kind: 'other', text: `Pay the network fee for a transaction of ${tx.source}` })
  }
  tx.operations.forEach((op, i) => {
    const source = op.source ?? tx.source
    const suffix = baseAccountOf(source) === ctx.signer ? '' : ` (from ${source})`
    for (const l of operationLines(op, tx, i, ctx)) lines.push({ ...l, text: `${l.text}${suffix}` })
  })
  const memo = memoText(tx)
  if (memo) lines.push({ kind: 'other', text: memo })
  return { source: ctx.signer, lines, fee: fromStroops(feeCharged(envelope, ctx.signer)) }
}

function operationLines(op: OperationRecord, tx: Transaction, i: number, ctx: PreviewContext): PreviewLine[] {
  switch (op.type) {
    case 'payment':
      return [
        {
          kind: 'payment',
          text: `Send ${amount(op.amount)} ${assetText(op.asset)} to ${op.destination}`,
          asset: assetKey(op.asset),
          amount: amount(op.amount),
          destination: op.destination,
        },
      ]
    case 'createAccount':
      return [
        {
          kind: 'create_account',
          text: `Create account ${op.destination} with ${amount(op.startingBalance)} XLM`,
          asset: 'native',
          amount: amount(op.startingBalance),
          destination: op.destination,
        },
      ]
    case 'pathPaymentStrictReceive':
      return [
        {
          kind: 'path_payment',
          text:
            `Send at most ${amount(op.sendMax)} ${assetText(op.sendAsset)} so that ${op.destination} ` +
            `receives ${amount(op.destAmount)} ${assetText(op.destAsset)}`,
          asset: assetKey(op.sendAsset),
          amount: amount(op.sendMax),
          destination: op.destination,
        },
      ]
    case 'pathPaymentStrictSend':
      return [
        {
          kind: 'path_payment',
          text:
            `Send ${amount(op.sendAmount)} ${assetText(op.sendAsset)} so that ${op.destination} ` +
            `receives at least ${amount(op.destMin)} ${assetText(op.destAsset)}`,
          asset: assetKey(op.sendAsset),
          amount: amount(op.sendAmount),
          destination: op.destination,
        },
      ]
    case 'manageSellOffer':
    case 'createPassiveSellOffer': {
      const id = op.type === 'manageSellOffer' ? op.offerId : '0'
      if (toStroops(op.amount) === 0n) return [{ kind: 'offer', text: `Cancel offer ${id}` }]
      const passive = op.type === 'createPassiveSellOffer' ? 'Passive offer' : 'Offer'
      const replaces = id !== '0' ? ` (replaces offer ${id})` : ''
      return [
        {
          kind: 'offer',
          text:
            `${passive} to sell ${amount(op.amount)} ${assetText(op.selling)} for ${assetText(op.buying)} ` +
            `at ${priceText(rawBodyOf(tx, i), op.price)} each, to whoever takes it${replaces}`,
          asset: assetKey(op.selling),
          amount: amount(op.amount),
        },
      ]
    }
    case 'manageBuyOffer': {
      if (toStroops(op.buyAmount) === 0n) return [{ kind: 'offer', text: `Cancel offer ${op.offerId}` }]
      const sold = buyOfferMaxSold(rawBodyOf(tx, i))
      const most = sold === undefined ? 'an unreadable amount of' : `up to ${fromStroops(sold)}`
      return [
        {
          kind: 'offer',
          text:
            `Offer to buy ${amount(op.buyAmount)} ${assetText(op.buying)} paying ${most} ` +
            `${assetText(op.selling)} (${priceText(rawBodyOf(tx, i), op.price)} each), to whoever takes it`,
          asset: assetKey(op.selling),
          ...(sold === undefined ? {} : { amount: fromStroops(sold) }),
        },
      ]
    }
    case 'createClaimableBalance': {
      const to = op.claimants.map((c) => c.destination)
      return [
        {
          kind: 'payment',
          text: `Lock ${amount(op.amount)} ${assetText(op.asset)} in a claimable balance for ${to.join(', ')}`,
          asset: assetKey(op.asset),
          amount: amount(op.amount),
          ...(to.length === 1 && to[0] ? { destination: to[0] } : {}),
        },
      ]
    }
    case 'accountMerge':
      return [
        {
          kind: 'merge',
          text: `Close this account and send all of its XLM to ${op.destination}`,
          asset: 'native',
          destination: op.destination,
        },
      ]
    case 'changeTrust':
      return [trustLine(op.line, op.limit)]
    case 'claimClaimableBalance':
      return [{ kind: 'other', text: `Claim the claimable balance ${op.balanceId}` }]
    case 'manageData':
      return [
        {
          kind: 'other',
          text: op.value === undefined ? `Delete data entry "${op.name}"` : `Set data entry "${op.name}"`,
        },
      ]
    case 'bumpSequence':
      return [{ kind: 'other', text: `Move the sequence number to ${op.bumpTo}` }]
    case 'setOptions': {
      const changed = Object.entries(op)
        .filter(([k, v]) => v !== undefined && k !== 'type' && k !== 'source')
        .map(([k]) => k)
      return [{ kind: 'other', text: `Change account options: ${changed.join(', ') || 'none'}` }]
    }
    case 'liquidityPoolWithdraw':
      return [
        {
          kind: 'other',
          text: `Withdraw ${amount(op.amount)} shares from liquidity pool ${op.liquidityPoolId}`,
        },
      ]
    case 'invokeHostFunction':
      return contractCallLines(op, ctx)
    case 'extendFootprintTtl':
      return [{ kind: 'other', text: `Extend contract data to live until ledger ${op.extendTo}` }]
    case 'restoreFootprint':
      return [{ kind: 'other', text: 'Restore archived contract data' }]
    default:
      return [{ kind: 'other', text: `Operation ${op.type}` }]
  }
}

/** An offer's exact price n/d: a decimal when it has at most 7 places, else the fraction itself. */
function priceText(body: xdr.OperationBody | undefined, fallback: string): string {
  const price =
    body?.type === 'manageSellOffer'
      ? body.manageSellOfferOp.price
      : body?.type === 'createPassiveSellOffer'
        ? body.createPassiveSellOfferOp.price
        : body?.type === 'manageBuyOffer'
          ? body.manageBuyOfferOp.price
          : undefined
  if (!price) return fallback
  const n = BigInt(price.n)
  const d = BigInt(price.d)
  if (d <= 0n) return fallback
  const scaled = n * 10_000_000n
  return scaled % d === 0n ? fromStroops(scaled / d) : `${n}/${d}`
}

function trustLine(line: Asset | LiquidityPoolAsset, limit: string): PreviewLine {
  const what = 'getCode' in line ? assetText(line) : 'liquidity pool shares'
  if (toStroops(limit) === 0n) return { kind: 'trustline', text: `Remove the trustline to ${what}` }
  const upTo = limit === MAX_LIMIT ? '' : ` up to ${amount(limit)}`
  return { kind: 'trustline', text: `Trust ${what}${upTo}` }
}

/**
 * Contract calls in words: the generic reading names the function and the contract (and the token, for a
 * configured asset's contract). Protocol-aware readings (signer/policy/protocols/, issue 12 part A) plug in
 * here, at this one call site.
 */
function contractCallLines(
  op: Extract<OperationRecord, { type: 'invokeHostFunction' }>,
  ctx: PreviewContext,
): PreviewLine[] {
  if (ctx.soroban) {
    const read = sorobanPreviewLines(op, ctx.soroban)
    if (read.length > 0) return read
  }
  const f = op.func
  if (f.type !== 'hostFunctionTypeInvokeContract') {
    return [{ kind: 'other', text: `Host function ${f.type} (uploads code or creates a contract)` }]
  }
  const contract = Address.fromScAddress(f.invokeContract.contractAddress).toString()
  const fn = f.invokeContract.functionName.toString()
  const token = ctx.tokenContracts.get(contract)
  const on = token === undefined ? `contract ${contract}` : `the ${keyText(token)} token contract ${contract}`
  return [{ kind: 'contract_call', text: `Call \`${fn}\` on ${on}`, contract }]
}

function memoText(tx: Transaction): string | undefined {
  const m = tx.memo
  if (m.type === 'text' || m.type === 'id') return `Memo: ${String(m.value)}`
  if ((m.type === 'hash' || m.type === 'return') && m.value !== null && typeof m.value !== 'string') {
    return `Memo (${m.type}): ${Buffer.from(m.value).toString('hex')}`
  }
  return undefined
}
