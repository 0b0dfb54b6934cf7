/**
 * An account's recent activity, from Horizon through the edge (GET /api/accounts/:id/transactions): when,
 * whether this account sent it or received it, fee and ledger, the hash with a copy button and the
 * network's explorer link. Loaded when the list is opened, so the Accounts page stays quick.
 */
import type { AccountView } from '../../shared/schemas/api.ts'
import { api } from './api.ts'
import { explain, h, mount } from './dom.ts'
import { stroops, when } from './format.ts'
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

export function activityList(a: AccountView, net: NetworkInfo | undefined): HTMLElement {
  const body = h('div', { class: 'activity-body' }, h('p', { class: 'muted' }, 'Loading…'))
  const box = h('details', { class: 'activity' }, h('summary', {}, 'Activity'), body)
  let loaded = false
  box.addEventListener('toggle', () => {
    if (!box.open || loaded) return
    loaded = true
    void api<{ transactions: Tx[] }>(
      'GET',
      `/api/accounts/${encodeURIComponent(a.accountId)}/transactions?limit=10`,
    ).then(
      ({ transactions }) =>
        mount(
          body,
          transactions.length === 0
            ? h('p', { class: 'muted' }, 'No activity yet.')
            : h(
                'ol',
                { class: 'tx-list', 'aria-label': `Activity of ${a.name ?? 'this account'}` },
                ...transactions.map((t) => row(t)),
              ),
        ),
      (e: unknown) => {
        loaded = false
        mount(body, h('p', { class: 'note error', role: 'alert' }, explain(e).text))
      },
    )
  })
  const row = (t: Tx) => {
    const ops = t.operationCount ?? 1
    const words = [
      t.sourceAccount === a.publicKey ? 'Sent from this account' : 'Received',
      `${ops} ${ops === 1 ? 'operation' : 'operations'}`,
      t.feeCharged && t.sourceAccount === a.publicKey ? `fee ${stroops(t.feeCharged)} XLM` : '',
      t.ledger ? `ledger ${t.ledger}` : '',
      t.successful ? '' : 'failed',
    ]
    return h(
      'li',
      { 'data-hash': t.hash },
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
