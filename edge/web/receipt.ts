/**
 * What happened to the money, in one place: the legs of a transaction (from the signer's decoded preview
 * when it has one, else the edge's simulation), and after it lands a receipt that names amount, destination
 * (in full, with copy), fee and ledger, with the explorer link of the network. Read defensively: these
 * shapes cross the wire from tool results and stored thread messages.
 */
import { h } from './dom.ts'
import { amount, money, opName, short, stroops } from './format.ts'
import { list, str } from './read.ts'
import { explorerLink, fullKey, type NetworkInfo } from './ui.ts'

export type Leg = {
  readonly kind: string
  readonly text?: string | undefined
  readonly amount?: string | undefined
  readonly asset?: string | undefined
  readonly destination?: string | undefined
}

/** The signer's preview lines win (it reads what it signs); else the edge's simulated legs. */
export function legsOf(signerPreview: unknown, edgePreview: unknown): Leg[] {
  const lines = list(signerPreview, 'lines')
  if (lines.length > 0)
    return lines.map((l) => ({
      kind: str(l, 'kind') ?? 'other',
      text: str(l, 'text'),
      amount: str(l, 'amount'),
      asset: str(l, 'asset'),
      destination: str(l, 'destination') ?? str(l, 'contract'),
    }))
  return list(edgePreview, 'legs').map((l) => ({
    kind: str(l, 'kind') ?? 'other',
    amount: str(l, 'amount'),
    asset: str(l, 'asset'),
    destination: str(l, 'to'),
  }))
}

/** "Send 150 XLM" (the destination is shown in full beside it). */
export const legText = (l: Leg): string =>
  l.amount && l.asset ? `${opName(l.kind)} ${money(l.amount, l.asset)}` : (l.text ?? opName(l.kind))

/** dt/dd rows for each leg: what leaves and, in full with a copy button, where it goes. */
export const legRows = (legs: readonly Leg[]): HTMLElement[] =>
  legs.flatMap((l) => [
    h('dt', {}, opName(l.kind)),
    h(
      'dd',
      {},
      l.amount && l.asset ? h('strong', {}, money(l.amount, l.asset)) : (l.text ?? ''),
      l.destination ? h('span', { class: 'to' }, ' to ') : null,
      l.destination ? fullKey(l.destination, 'destination') : null,
    ),
  ])

/** What the source holds afterwards, from the edge's simulation ("9,849.99999 XLM"). */
export function remains(edgePreview: unknown): string | undefined {
  const after: unknown =
    typeof edgePreview === 'object' && edgePreview ? Reflect.get(edgePreview, 'sourceAfter') : undefined
  if (typeof after !== 'object' || after === null) return undefined
  const parts = Object.entries(after)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([k, v]) => money(v, k))
  return parts.length > 0 ? parts.join(', ') : undefined
}

export type Landed = {
  readonly hash: string
  readonly ledger: number | undefined
  /** Charged fee in stroops, when the network said; else the preview's fee in XLM. */
  readonly feeStroops?: string | null | undefined
  readonly feeXlm?: string | undefined
}

/** "Sent 150 XLM to GABC…WXYZ · fee 0.00001 XLM · ledger 5", then the parts in full. */
export function receipt(legs: readonly Leg[], landed: Landed, net: NetworkInfo | undefined): HTMLElement {
  const fee = landed.feeStroops
    ? stroops(landed.feeStroops)
    : landed.feeXlm
      ? amount(landed.feeXlm)
      : undefined
  const what =
    legs.length === 0
      ? 'Transaction sent'
      : legs
          .map((l) => {
            const base =
              l.kind === 'payment'
                ? `Sent ${l.amount && l.asset ? money(l.amount, l.asset) : ''}`
                : legText(l)
            return l.destination ? `${base} to ${short(l.destination)}` : base
          })
          .join('; ')
  const summary = [what, fee ? `fee ${fee} XLM` : '', landed.ledger ? `ledger ${landed.ledger}` : '']
    .filter(Boolean)
    .join(' · ')
  return h(
    'div',
    { class: 'receipt', role: 'status' },
    h('p', { class: 'receipt-line' }, summary),
    h(
      'dl',
      {},
      ...legs
        .filter((l) => l.destination)
        .flatMap((l) => [h('dt', {}, 'To'), h('dd', {}, fullKey(l.destination ?? '', 'destination'))]),
      fee ? h('dt', {}, 'Fee') : null,
      fee ? h('dd', {}, `${fee} XLM`) : null,
      landed.ledger ? h('dt', {}, 'Ledger') : null,
      landed.ledger ? h('dd', {}, String(landed.ledger)) : null,
      h('dt', {}, 'Transaction'),
      h('dd', {}, fullKey(landed.hash, 'transaction hash'), ' ', explorerLink(net, 'tx', landed.hash)),
    ),
  )
}
