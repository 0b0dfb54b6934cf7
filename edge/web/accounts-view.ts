/**
 * Accounts: the user's Stellar accounts with live balances; create, fund (only where a friendbot exists),
 * import and export, and each account's activity. A secret crosses this page in two places only, both
 * behind a fresh passkey assertion: typed into the import form (sealed to the attested signer by seal.ts and
 * sent only to /api/accounts/import, then the field is cleared) and shown by export in a modal that wipes it when closed. Pending approvals are
 * listed here with the same card as in chat. Messages appear inside the form or card they are about.
 */
import type { AccountView } from '../../shared/schemas/api.ts'
import { activityList } from './activity.ts'
import { api } from './api.ts'
import { approvalCard, listApprovals } from './approvals.ts'
import { announce, busy, field, h, mount, note } from './dom.ts'
import { money } from './format.ts'
import { reauth } from './passkeys.ts'
import { positionsSection } from './positions-view.ts'
import { accountIndex, fullKey, type NetworkInfo, networkInfo } from './ui.ts'

/** HPKE and its library load with the first import or export, not with every page (the page-weight budget). */
const sealing = () => import('./seal.ts')
const seedSeal = () => import('../../shared/seed-seal.ts')

function balances(a: AccountView): HTMLElement {
  if (a.balances === null) return h('p', { class: 'muted' }, 'Balance unavailable right now')
  if (!a.funded) return h('p', { class: 'muted' }, 'Not on the network yet: it needs to be funded')
  return h(
    'ul',
    { class: 'balances', 'aria-label': 'Balances' },
    ...a.balances.map((b) => h('li', {}, money(b.balance, b.asset))),
  )
}

export function accountsView(): { el: HTMLElement; refresh(): Promise<void> } {
  const list = h('div', { class: 'accounts' })
  const approvals = h('div', { class: 'approvals' })
  const dialog = h('dialog', { class: 'export', 'aria-label': 'Export secret key' })
  let net: NetworkInfo | undefined

  async function refresh() {
    net ??= await networkInfo().catch(() => undefined)
    const [{ accounts }, pending] = await Promise.all([
      api<{ accounts: AccountView[] }>('GET', '/api/accounts'),
      listApprovals().then(
        (all) => all.filter((x) => x.status === 'pending'),
        () => [],
      ),
    ])
    void accountIndex(true)
    showAccounts(accounts)
    mount(
      approvals,
      pending.length > 0 ? h('h2', {}, 'Waiting for your approval') : null,
      ...pending.map((approval) =>
        approvalCard({ approval }, (s) => {
          if (s !== 'pending') void refreshBalances()
        }),
      ),
    )
  }
  const refreshBalances = async () => {
    const { accounts } = await api<{ accounts: AccountView[] }>('GET', '/api/accounts')
    showAccounts(accounts)
  }
  /** Re-renders the cards with fresh balances; an Activity list the user opened stays open. */
  const showAccounts = (accounts: readonly AccountView[]) => {
    const open = new Set(
      [...list.querySelectorAll<HTMLElement>('article.account')]
        .filter((a) => a.querySelector('details.activity[open]'))
        .map((a) => a.dataset.account),
    )
    mount(
      list,
      accounts.length === 0 ? h('p', { class: 'muted' }, 'No accounts yet: create one below.') : null,
      ...accounts.map(card),
    )
    for (const a of list.querySelectorAll<HTMLElement>('article.account'))
      if (open.has(a.dataset.account)) {
        const d = a.querySelector('details.activity')
        if (d instanceof HTMLDetailsElement) d.open = true
      }
  }

  function card(a: AccountView): HTMLElement {
    const label = a.name ?? 'Unnamed account'
    const fund = h('button', { type: 'button' }, 'Fund with test XLM')
    fund.addEventListener('click', () =>
      busy(fund, async () => {
        await api('POST', `/api/accounts/${encodeURIComponent(a.accountId)}/fund`)
        announce(`Funded ${label} with test XLM.`)
        await refreshBalances()
      }),
    )
    const exp = h('button', { type: 'button', class: 'danger' }, 'Export secret…')
    exp.addEventListener('click', () => openExport(a))
    return h(
      'article',
      { class: 'account', 'data-account': a.publicKey, 'aria-label': label },
      h('h3', {}, label, h('span', { class: 'tag' }, a.kind === 'agent' ? 'agent' : 'yours')),
      h('p', {}, fullKey(a.publicKey, 'address')),
      balances(a),
      h('div', { class: 'row' }, a.funded === false && net?.friendbot ? fund : null, exp),
      a.funded ? activityList(a, net) : null,
      a.funded ? positionsSection(a.accountId) : null,
    )
  }

  function openExport(a: AccountView) {
    const understood = h('input', { type: 'checkbox', name: 'understood', required: true })
    const go = h('button', { type: 'submit', class: 'danger' }, 'Verify with passkey and show')
    const close = h('button', { type: 'button' }, 'Close')
    const secretBox = h('div')
    const form = h(
      'form',
      { method: 'dialog', class: 'stack' },
      h('h2', {}, 'Export secret key'),
      h(
        'p',
        { class: 'warning', role: 'alert' },
        'Anyone who sees this secret can take everything in the account, with no way back. Tuxedo will ' +
          'never ask you for it. Do not paste it into a chat, a website or a screenshot.',
      ),
      h('label', { class: 'check' }, understood, 'I understand, and no one else can see my screen'),
      secretBox,
      h('div', { class: 'row' }, go, close),
    )
    const wipe = () => {
      mount(secretBox)
      dialog.close()
    }
    close.addEventListener('click', wipe)
    dialog.addEventListener('close', () => mount(secretBox), { once: true })
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      void busy(go, async () => {
        const { exportSealed } = await sealing()
        const secret = await exportSealed(a.accountId, (recipientPublicKey) =>
          reauth({ method: 'accounts.export', accountId: a.accountId, recipientPublicKey }),
        )
        mount(secretBox, h('p', { class: 'label' }, 'Secret key'), h('pre', { class: 'mono secret' }, secret))
        go.disabled = true
        go.dataset.final = 'true'
      })
    })
    mount(dialog, form)
    dialog.showModal()
  }

  const create = h(
    'form',
    { class: 'stack card', 'aria-label': 'Create account' },
    h('h2', {}, 'New account'),
    h('label', {}, 'Name (optional)', h('input', { name: 'name', maxlength: '64', autocomplete: 'off' })),
    h('button', { type: 'submit', class: 'primary' }, 'Create account'),
  )
  create.addEventListener('submit', (e) => {
    e.preventDefault()
    const btn = create.querySelector('button')
    void busy(btn, async () => {
      const name = field(create, 'name')
      await api('POST', '/api/accounts', name ? { name } : {})
      create.reset()
      if (btn) note(btn, `Created ${name || 'the account'}.`)
      await refresh()
    })
  })

  const importForm = h(
    'form',
    { class: 'stack card', 'aria-label': 'Import account' },
    h('h2', {}, 'Import an account'),
    h(
      'p',
      { class: 'muted' },
      'The secret is sealed in this page to the attested signer, after you confirm with your passkey.',
    ),
    h('label', {}, 'Name (optional)', h('input', { name: 'name', maxlength: '64', autocomplete: 'off' })),
    h(
      'label',
      {},
      'Secret key (S…)',
      h('input', {
        name: 'secret',
        type: 'password',
        required: true,
        autocomplete: 'off',
        spellcheck: 'false',
        pattern: 'S[A-Z2-7]{55}',
      }),
    ),
    h('button', { type: 'submit' }, 'Verify with passkey and import'),
  )
  importForm.addEventListener('submit', (e) => {
    e.preventDefault()
    const btn = importForm.querySelector('button')
    void busy(btn, async () => {
      const secret = field(importForm, 'secret')
      const name = field(importForm, 'name')
      try {
        const named = name.trim() ? { name: name.trim() } : {}
        const [{ sealForImport }, { sealedDigest }] = await Promise.all([sealing(), seedSeal()])
        const sealed = await sealForImport(secret)
        // The proof names the sealed payload exactly as it is sent.
        const proof = await reauth({
          method: 'accounts.import',
          ...named,
          sealedDigest: await sealedDigest(sealed),
        })
        await api('POST', '/api/accounts/import', { sealed, ...named, proof })
      } finally {
        importForm.reset()
      }
      if (btn) note(btn, `Imported ${name || 'the account'}.`)
      await refresh()
    })
  })

  const el = h(
    'div',
    { class: 'accounts-view' },
    h('h1', {}, 'Accounts'),
    approvals,
    list,
    h('div', { class: 'forms' }, create, importForm),
    dialog,
  )
  return {
    el,
    refresh: () =>
      refresh().catch((e: unknown) => {
        mount(list, h('p', { class: 'note error', role: 'alert' }, 'Accounts are unavailable right now.'))
        throw e
      }),
  }
}
