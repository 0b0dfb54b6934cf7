/**
 * Accounts: the user's Stellar accounts with live balances; create, fund (test networks), import and
 * export. A secret crosses this page in two places only, both behind a fresh passkey assertion: typed into
 * the import form (sealed to the attested signer by seal.ts, then the field is cleared) and shown by export in a
 * modal that wipes it when closed. Pending approvals are listed here too.
 */
import type { AccountView } from '../../shared/schemas/api.ts'
import { api } from './api.ts'
import { type Approval, approvalCard, listApprovals } from './approvals.ts'
import { announce, busy, field, h, mount } from './dom.ts'
import { reauth } from './passkeys.ts'
import { exportSealed, sealForImport } from './seal.ts'

const assetLabel = (a: string) => (a === 'native' ? 'XLM' : (a.split(':')[0] ?? a))

function balances(a: AccountView): HTMLElement {
  if (a.balances === null) return h('p', { class: 'muted' }, 'Balance unavailable right now')
  if (!a.funded) return h('p', { class: 'muted' }, 'Not funded yet')
  return h(
    'ul',
    { class: 'balances' },
    ...a.balances.map((b) => h('li', {}, h('strong', {}, b.balance), ` ${assetLabel(b.asset)}`)),
  )
}

export function accountsView(): HTMLElement {
  const list = h('div', { class: 'accounts', 'aria-live': 'polite' })
  const approvals = h('div', { class: 'approvals' })
  const dialog = h('dialog', { class: 'export', 'aria-label': 'Export secret key' })

  async function refresh() {
    const { accounts } = await api<{ accounts: AccountView[] }>('GET', '/api/accounts')
    mount(
      list,
      accounts.length === 0 ? h('p', { class: 'muted' }, 'No accounts yet: create one below.') : null,
      ...accounts.map(card),
    )
    const pending = await listApprovals().then(
      (all: Approval[]) => all.filter((x) => x.status === 'pending'),
      () => [],
    )
    mount(
      approvals,
      pending.length > 0 ? h('h2', {}, 'Pending approvals') : null,
      ...pending.map((p) => approvalCard(p, () => void refresh())),
    )
  }

  function card(a: AccountView): HTMLElement {
    const fund = h('button', { type: 'button' }, 'Fund (testnet)')
    fund.addEventListener('click', () =>
      busy(fund, async () => {
        await api('POST', `/api/accounts/${encodeURIComponent(a.accountId)}/fund`)
        announce(`Funded ${a.name ?? a.publicKey.slice(0, 6)}.`)
        await refresh()
      }),
    )
    const exp = h('button', { type: 'button', class: 'danger' }, 'Export secret…')
    exp.addEventListener('click', () => openExport(a))
    return h(
      'article',
      { class: 'account', 'data-account': a.publicKey },
      h('h3', {}, a.name ?? 'Account', h('span', { class: 'tag' }, a.kind)),
      h('p', { class: 'mono key' }, a.publicKey),
      balances(a),
      h('div', { class: 'row' }, a.funded === false ? fund : null, exp),
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
        await reauth()
        const secret = await exportSealed(a.accountId)
        mount(secretBox, h('p', { class: 'label' }, 'Secret key'), h('pre', { class: 'mono secret' }, secret))
        go.disabled = true
      })
    })
    mount(dialog, form)
    dialog.showModal()
  }

  const create = h(
    'form',
    { class: 'stack', 'aria-label': 'Create account' },
    h('h2', {}, 'New account'),
    h('label', {}, 'Name (optional)', h('input', { name: 'name', maxlength: '64', autocomplete: 'off' })),
    h('button', { type: 'submit', class: 'primary' }, 'Create account'),
  )
  create.addEventListener('submit', (e) => {
    e.preventDefault()
    void busy(create.querySelector('button'), async () => {
      const name = field(create, 'name')
      await api('POST', '/api/accounts', name ? { name } : {})
      create.reset()
      announce('Account created.')
      await refresh()
    })
  })

  const importForm = h(
    'form',
    { class: 'stack', 'aria-label': 'Import account' },
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
    void busy(importForm.querySelector('button'), async () => {
      const secret = field(importForm, 'secret')
      const name = field(importForm, 'name')
      try {
        await reauth()
        const sealed = await sealForImport(secret)
        await api('POST', '/api/accounts/import', { sealed, ...(name ? { name } : {}) })
      } finally {
        importForm.reset()
      }
      announce('Account imported.')
      await refresh()
    })
  })

  void refresh().catch((e: unknown) => announce(e instanceof Error ? e.message : 'accounts failed', 'error'))
  return h(
    'div',
    { class: 'accounts-view' },
    h('h1', {}, 'Accounts'),
    approvals,
    list,
    h('div', { class: 'forms' }, create, importForm),
    dialog,
  )
}
