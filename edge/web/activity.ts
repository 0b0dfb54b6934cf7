/**
 * An account's recent activity, from Horizon through the edge: each transaction (GET
 * /api/accounts/:id/transactions: when, fee, ledger, the hash with a copy button and the network's explorer
 * link) with what it moved, in words and amounts, from the account's payments (GET …/payments): "Sent 10 XLM
 * to GABC…WXYZ", "Received 10,000 XLM from G… (new account)". Amounts go through the one amount helper
 * (format.ts money), never a float. Loaded when the list is opened, so the Accounts page stays quick.
 */
import type { AccountView, PaymentView } from '../../shared/schemas/api.ts'
import { api } from './api.ts'
import { explain, h, mount } from './dom.ts'
import { money, short, stroops, when } from './format.ts'
import { copyButton, explorerLink, type NetworkInfo } from './ui.ts'

type Tx = {
  readonly hash: string
  readonly ledger?: number
  readonly createdAt: string
  readonly sourceAccount: string
  readonly successful: boolean
  readonly feeCharged?: string
  readonly operationCount?: number
}

/** "Sent 10 XLM to GABC…WXYZ" — one payment as this account saw it; a failed one says nothing moved. */
export function paymentLine(p: PaymentView): string {
  const line = movedLine(p)
  return p.successful ? line : `${line} — failed, nothing moved`
}

function movedLine(p: PaymentView): string {
  const what = p.amount !== null && p.asset !== null ? money(p.amount, p.asset) : ''
  const other = p.counterparty ? short(p.counterparty) : 'another account'
  const also = p.otherAmount && p.otherAsset ? money(p.otherAmount, p.otherAsset) : ''
  if (p.kind === 'account_merge')
    return p.direction === 'sent'
      ? `Closed into ${other}`
      : `Received the balance of ${other} (account closed)`
  if (p.direction === 'sent') {
    const tail = p.kind === 'create_account' ? ' (new account)' : also ? ` (arrived as ${also})` : ''
    return `Sent ${what} to ${other}${tail}`
  }
  const tail = p.kind === 'create_account' ? ' (new account)' : also ? ` (paid as ${also})` : ''
  return `Received ${what} from ${other}${tail}`
}

export function activityList(a: AccountView, net: NetworkInfo | undefined): HTMLElement {
  const body = h('div', { class: 'activity-body' }, h('p', { class: 'muted' }, 'Loading…'))
  const box = h('details', { class: 'activity' }, h('summary', {}, 'Activity'), body)
  const path = (what: string, limit: number) =>
    `/api/accounts/${encodeURIComponent(a.accountId)}/${what}?limit=${limit}`
  let loaded = false
  box.addEventListener('toggle', () => {
    if (!box.open || loaded) return
    loaded = true
    void Promise.all([
      api<{ transactions: Tx[] }>('GET', path('transactions', 10)),
      // Payments are per operation: more of them than transactions. Without them the list still has hashes.
      api<{ payments: PaymentView[] }>('GET', path('payments', 30)).then(
        (r) => r.payments,
        () => undefined,
      ),
    ]).then(
      ([{ transactions }, payments]) => {
        const byHash = new Map<string, PaymentView[]>()
        for (const p of payments ?? []) byHash.set(p.hash, [...(byHash.get(p.hash) ?? []), p])
        mount(
          body,
          transactions.length === 0
            ? h('p', { class: 'muted' }, 'No activity yet.')
            : h(
                'ol',
                { class: 'tx-list', 'aria-label': `Activity of ${a.name ?? 'this account'}` },
                ...transactions.map((t) => row(t, byHash.get(t.hash) ?? [])),
              ),
          payments ? null : h('p', { class: 'muted' }, 'Amounts are unavailable right now.'),
        )
      },
      (e: unknown) => {
        loaded = false
        mount(body, h('p', { class: 'note error', role: 'alert' }, explain(e).text))
      },
    )
  })
  const row = (t: Tx, moved: readonly PaymentView[]) => {
    const ops = t.operationCount ?? 1
    const mine = t.sourceAccount === a.publicKey
    const words = [
      // Without a payment line, say at least who sent it and how many operations it had.
      moved.length === 0 ? (mine ? 'Sent from this account' : 'Received') : '',
      moved.length === 0 || ops > moved.length ? `${ops} ${ops === 1 ? 'operation' : 'operations'}` : '',
      t.feeCharged && mine ? `fee ${stroops(t.feeCharged)} XLM` : '',
      t.ledger ? `ledger ${t.ledger}` : '',
      t.successful ? '' : 'failed',
    ]
    return h(
      'li',
      { 'data-hash': t.hash },
      ...moved.map((p) =>
        h(
          'p',
          { class: `moved ${p.successful ? p.direction : 'failed'}`, title: p.counterparty ?? undefined },
          paymentLine(p),
        ),
      ),
      h(
        'p',
        {},
        h('time', { datetime: t.createdAt }, when(t.createdAt)),
        ' · ',
        words.filter(Boolean).join(' · '),
      ),
      h(
        'p',
        { class: 'key-line' },
        h('span', { class: 'mono' }, `${t.hash.slice(0, 16)}…`),
        copyButton(t.hash, 'transaction hash'),
        explorerLink(net, 'tx', t.hash),
      ),
    )
  }
  return box
}
