/**
 * Classic simulation before signing: what a transaction will do, computed from its decoded operations and
 * the live state of the accounts it touches, so the user and the model see a preview (what leaves which
 * account, what arrives where, the fee, reserve effects) and a transaction that would fail on the network
 * stops here with a reason instead of being signed.
 *
 * `previewClassic` is pure (state in, preview out) for table tests; `simulateClassic` fetches the state.
 * Amounts are stroops (bigint) inside and decimal strings in the preview. Checks mirror stellar-core's
 * for the operations the agent builds: sequence, fee + reserve, trustline presence and authorisation,
 * destination existence, create_account on an existing account, removing a trustline that holds a balance.
 */
import { FeeBumpTransaction, type Transaction } from '@stellar/stellar-sdk/base'
import { fail, ok, type Result } from '../../shared/result.ts'
import { fromStroops } from '../../shared/schemas/money.ts'
import { baseAccountOf } from '../../shared/schemas/stellar.ts'
import type { Horizon } from './horizon.ts'
import type { HorizonAccount, HorizonBalance } from './horizon-schemas.ts'

export const DEFAULT_BASE_RESERVE_STROOPS = 5_000_000n

export type Leg = {
  readonly kind: string
  readonly from: string
  readonly to: string | null
  readonly asset: string
  /** Decimal string; for path payments the most that can leave (send max) or the exact amount sent. */
  readonly amount: string
  readonly note?: string
}

export type Preview = {
  readonly source: string
  readonly fee: string
  readonly operations: number
  readonly legs: readonly Leg[]
  /** What the source holds after the transaction, per asset it spends (decimal strings). */
  readonly sourceAfter: Readonly<Record<string, string>>
  readonly reserve: { readonly subentriesDelta: number; readonly minimumBalanceAfter: string }
  readonly createsAccounts: readonly string[]
}

type Op = Transaction['operations'][number]
type Asset = { code?: string; issuer?: string; isNative?: () => boolean }

const assetKey = (a: Asset | undefined): string =>
  !a || (typeof a.isNative === 'function' && a.isNative()) ? 'native' : `${a.code ?? '?'}:${a.issuer ?? '?'}`

const balanceKey = (b: HorizonBalance): string =>
  b.asset_type === 'native' ? 'native' : `${b.asset_code ?? '?'}:${b.asset_issuer ?? '?'}`

/** Horizon amounts are decimal strings with 7 places; ours are canonical. Parse either without floats. */
export function stroopsOf(amount: string): bigint {
  const [whole = '0', frac = ''] = amount.split('.')
  if (!/^[0-9]+$/.test(whole) || !/^[0-9]{0,7}$/.test(frac)) throw new RangeError('not an amount')
  return BigInt(whole) * 10_000_000n + BigInt(frac.padEnd(7, '0') || '0')
}

const show = (stroops: bigint) => fromStroops(stroops)

export type ClassicState = {
  /** Every account the transaction names, by G… address; undefined = not on the ledger. */
  readonly accounts: ReadonlyMap<string, HorizonAccount | undefined>
  readonly baseReserveStroops: bigint
}

/** The addresses whose state the preview needs (source, destinations), for the caller to fetch. */
export function accountsNamed(tx: Transaction | FeeBumpTransaction): string[] {
  const inner = tx instanceof FeeBumpTransaction ? tx.innerTransaction : tx
  const out = new Set<string>()
  const add = (a: string | undefined) => {
    const base = a ? baseAccountOf(a) : undefined
    if (base) out.add(base)
  }
  add(inner.source)
  for (const op of inner.operations) {
    add(op.source)
    if ('destination' in op && typeof op.destination === 'string') add(op.destination)
  }
  return [...out]
}

export function previewClassic(txIn: Transaction | FeeBumpTransaction, state: ClassicState): Result<Preview> {
  const tx = txIn instanceof FeeBumpTransaction ? txIn.innerTransaction : txIn
  const source = baseAccountOf(tx.source)
  if (!source) return fail('ERR_TX_SIMULATION_FAILED', 'the transaction source is not an account')
  const src = state.accounts.get(source)
  if (!src)
    return fail('ERR_TX_SIMULATION_FAILED', `the source account ${source} does not exist on the network`)
  if (BigInt(tx.sequence) !== BigInt(src.sequence) + 1n) {
    return fail('ERR_TX_SIMULATION_FAILED', 'the sequence number is stale; rebuild the transaction')
  }

  const fee = stroopsOf(txIn.fee.includes('.') ? txIn.fee : fromStroops(BigInt(txIn.fee)))
  const held = new Map<string, HorizonBalance>(src.balances.map((b) => [balanceKey(b), b]))
  const out = new Map<string, bigint>([['native', fee]])
  const spend = (asset: string, amount: bigint) => out.set(asset, (out.get(asset) ?? 0n) + amount)
  const legs: Leg[] = []
  const created = new Set<string>()
  let subentries = 0

  const exists = (addr: string) => created.has(addr) || state.accounts.get(addr) !== undefined
  const trusts = (addr: string, asset: string): HorizonBalance | undefined =>
    state.accounts.get(addr)?.balances.find((b) => balanceKey(b) === asset)
  const issuerOf = (asset: string) => asset.split(':')[1]

  for (const op of tx.operations as Op[]) {
    const opSource: string | undefined = op.source ? baseAccountOf(op.source) : source
    if (opSource !== source) {
      return fail('ERR_TX_SIMULATION_FAILED', 'an operation names a source other than the signing account')
    }
    const r = applyOp(op)
    if (r) return r
  }

  function destinationProblem(to: string, asset: string): Result<never> | undefined {
    if (!exists(to))
      return fail('ERR_TX_SIMULATION_FAILED', `the destination ${to} does not exist; create it first`)
    if (asset !== 'native' && issuerOf(asset) !== to) {
      const line = trusts(to, asset)
      if (!line)
        return fail('ERR_TX_SIMULATION_FAILED', `the destination has no trustline for ${asset.split(':')[0]}`)
      if (line.is_authorized === false) {
        return fail(
          'ERR_TX_SIMULATION_FAILED',
          `the destination is not authorised to hold ${asset.split(':')[0]}`,
        )
      }
    }
    return undefined
  }

  function applyOp(op: Op): Result<never> | undefined {
    switch (op.type) {
      case 'payment': {
        const to = baseAccountOf(op.destination) ?? op.destination
        const asset = assetKey(op.asset as Asset)
        const problem = destinationProblem(to, asset)
        if (problem) return problem
        const amount = stroopsOf(op.amount)
        spend(asset, amount)
        legs.push({ kind: 'payment', from: source as string, to, asset, amount: show(amount) })
        return undefined
      }
      case 'createAccount': {
        const to = op.destination
        if (exists(to))
          return fail('ERR_TX_SIMULATION_FAILED', `the account ${to} already exists; send a payment instead`)
        const amount = stroopsOf(op.startingBalance)
        if (amount < 2n * state.baseReserveStroops) {
          return fail(
            'ERR_TX_SIMULATION_FAILED',
            `a new account needs at least ${show(2n * state.baseReserveStroops)} XLM`,
          )
        }
        created.add(to)
        spend('native', amount)
        legs.push({
          kind: 'create_account',
          from: source as string,
          to,
          asset: 'native',
          amount: show(amount),
        })
        return undefined
      }
      case 'pathPaymentStrictSend':
      case 'pathPaymentStrictReceive': {
        const to = baseAccountOf(op.destination) ?? op.destination
        const sendAsset = assetKey(op.sendAsset as Asset)
        const destAsset = assetKey(op.destAsset as Asset)
        const problem = destinationProblem(to, destAsset)
        if (problem) return problem
        const strictSend = op.type === 'pathPaymentStrictSend'
        const sent = stroopsOf(strictSend ? op.sendAmount : op.sendMax)
        const received = strictSend ? op.destMin : op.destAmount
        spend(sendAsset, sent)
        legs.push({
          kind: strictSend ? 'path_payment_strict_send' : 'path_payment_strict_receive',
          from: source as string,
          to,
          asset: sendAsset,
          amount: show(sent),
          note: `${strictSend ? 'at least' : 'exactly'} ${show(stroopsOf(received))} ${destAsset === 'native' ? 'XLM' : destAsset.split(':')[0]} arrives`,
        })
        return undefined
      }
      case 'changeTrust': {
        const asset = 'code' in op.line ? assetKey(op.line as Asset) : 'liquidity_pool'
        const limit = stroopsOf(op.limit)
        const line = held.get(asset)
        if (limit === 0n) {
          if (!line) return fail('ERR_TX_SIMULATION_FAILED', 'there is no such trustline to remove')
          if (stroopsOf(line.balance) !== 0n) {
            return fail(
              'ERR_TX_SIMULATION_FAILED',
              'the trustline still holds a balance; send or sell it first',
            )
          }
          subentries -= 1
        } else if (!line) {
          subentries += 1
        }
        legs.push({
          kind: limit === 0n ? 'remove_trustline' : 'change_trust',
          from: source as string,
          to: null,
          asset,
          amount: show(limit),
        })
        return undefined
      }
      case 'manageSellOffer':
      case 'manageBuyOffer':
      case 'createPassiveSellOffer': {
        const selling = assetKey(op.selling as Asset)
        const amount =
          op.type === 'manageBuyOffer'
            ? sellingForBuy(stroopsOf(op.buyAmount), String(op.price))
            : stroopsOf(op.amount)
        const isNew = op.type === 'createPassiveSellOffer' || String(op.offerId ?? '0') === '0'
        if (isNew && amount > 0n) subentries += 1
        if (amount > 0n) spend(selling, amount)
        legs.push({
          kind: op.type,
          from: source as string,
          to: null,
          asset: selling,
          amount: show(amount),
          note: 'offered, leaves only as it trades',
        })
        return undefined
      }
      case 'createClaimableBalance': {
        const asset = assetKey(op.asset as Asset)
        const amount = stroopsOf(op.amount)
        spend(asset, amount)
        subentries += 1
        legs.push({
          kind: 'create_claimable_balance',
          from: source as string,
          to: null,
          asset,
          amount: show(amount),
        })
        return undefined
      }
      default:
        legs.push({
          kind: op.type,
          from: source as string,
          to: null,
          asset: '-',
          amount: '0',
          note: 'not simulated',
        })
        return undefined
    }
  }

  const subentriesAfter = src.subentry_count + subentries
  const minimum = BigInt(2 + Math.max(0, subentriesAfter)) * state.baseReserveStroops
  const after: Record<string, string> = {}
  for (const [asset, amount] of out) {
    const line = held.get(asset)
    if (!line) {
      return fail(
        'ERR_TX_SIMULATION_FAILED',
        `the source holds no ${asset === 'native' ? 'XLM' : asset.split(':')[0]}`,
      )
    }
    if (asset !== 'native' && line.is_authorized === false) {
      return fail('ERR_TX_SIMULATION_FAILED', `the source is not authorised to send ${asset.split(':')[0]}`)
    }
    const balance = stroopsOf(line.balance)
    const left = balance - amount
    const floor = asset === 'native' ? minimum : 0n
    if (left < floor) {
      const what = asset === 'native' ? 'XLM' : asset.split(':')[0]
      return fail(
        'ERR_TX_SIMULATION_FAILED',
        asset === 'native'
          ? `not enough XLM: ${show(balance)} held, ${show(amount)} needed with the fee, and ${show(minimum)} must stay as reserve`
          : `not enough ${what}: ${show(balance)} held, ${show(amount)} needed`,
      )
    }
    after[asset] = show(left)
  }
  return ok({
    source: source as string,
    fee: show(fee),
    operations: tx.operations.length,
    legs,
    sourceAfter: after,
    reserve: { subentriesDelta: subentries, minimumBalanceAfter: show(minimum) },
    createsAccounts: [...created],
  })
}

/** A buy offer sells buyAmount × price of the selling asset; the decoded price is a decimal string. */
function sellingForBuy(buyStroops: bigint, price: string): bigint {
  const [whole = '0', frac = ''] = price.split('.')
  const scale = 10n ** BigInt(frac.length)
  const p = BigInt(whole) * scale + BigInt(frac || '0')
  return (buyStroops * p + scale - 1n) / scale
}

/** Fetches what the preview needs (concurrently) and runs it. */
export async function simulateClassic(
  horizon: Horizon,
  tx: Transaction | FeeBumpTransaction,
): Promise<Result<Preview>> {
  const names = accountsNamed(tx)
  const states = await Promise.all(names.map((a) => horizon.account(a)))
  const reserve = await horizon.baseReserveStroops().catch(() => DEFAULT_BASE_RESERVE_STROOPS)
  return previewClassic(tx, {
    accounts: new Map(names.map((a, i) => [a, states[i]])),
    baseReserveStroops: reserve,
  })
}
