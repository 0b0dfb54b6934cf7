/**
 * The signed-in app: Chat and Accounts tabs, the user's email and Sign out. A chunk of its own, loaded
 * once the session says someone is signed in, so the signed-out first screen stays small. Each tab's view
 * is built once and hidden, not rebuilt, when another tab is shown — an open thread, a live approval card
 * or a half-typed message survive a visit to Accounts — while messages shown in a view are cleared on the
 * switch. Accounts (with import, export, activity and positions) loads on its first visit.
 */
import type { accountsView } from './accounts-view.ts'
import { chatView } from './chat-view.ts'
import { announce, busy, clearNotes, explain, h, mount, note } from './dom.ts'
import { addPasskey, signOut, type User } from './passkeys.ts'

type Tab = 'chat' | 'accounts'
type AccountsView = ReturnType<typeof accountsView>

export function showApp(app: HTMLElement, user: User, recovered: boolean, onSignedOut: () => void): void {
  const chat = h('div', { class: 'panel', role: 'tabpanel', 'aria-label': 'Chat' }, chatView())
  const accountsPanel = h('div', { class: 'panel', role: 'tabpanel', 'aria-label': 'Accounts', hidden: true })
  let accounts: Promise<AccountsView> | undefined
  const loadAccounts = () => {
    accounts ??= import('./accounts-view.ts').then(
      ({ accountsView }) => {
        const v = accountsView()
        accountsPanel.replaceChildren(v.el)
        return v
      },
      (e: unknown) => {
        accounts = undefined
        throw e
      },
    )
    return accounts
  }
  const view = h('main', { id: 'main', class: 'view', tabindex: '-1' }, chat, accountsPanel)
  const tabs: Record<Tab, HTMLButtonElement> = {
    chat: h('button', { type: 'button', role: 'tab' }, 'Chat'),
    accounts: h('button', { type: 'button', role: 'tab' }, 'Accounts'),
  }
  const select = (tab: Tab) => {
    for (const [name, btn] of Object.entries(tabs)) btn.setAttribute('aria-selected', String(name === tab))
    clearNotes(view)
    chat.hidden = tab !== 'chat'
    accountsPanel.hidden = tab !== 'accounts'
    if (tab === 'accounts')
      void loadAccounts().then(
        (v) => v.refresh().catch(() => {}),
        (e: unknown) => {
          const { text, detail } = explain(e)
          accountsPanel.replaceChildren(h('section', { 'aria-label': 'Accounts' }))
          const holder = accountsPanel.firstElementChild
          if (holder) note(holder, `Accounts did not load: ${text}`, 'error', detail)
        },
      )
    document.body.dataset.tab = tab
  }
  tabs.chat.addEventListener('click', () => select('chat'))
  tabs.accounts.addEventListener('click', () => select('accounts'))

  const out = h('button', { type: 'button', class: 'sign-out' }, 'Sign out')
  out.addEventListener('click', () =>
    busy(out, async () => {
      await signOut()
      onSignedOut()
    }),
  )
  mount(
    app,
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'Tuxedo'),
      h('nav', { role: 'tablist', 'aria-label': 'Sections' }, tabs.chat, tabs.accounts),
      h('span', { class: 'who', 'data-email': user.email }, user.email),
      out,
    ),
    recovered ? addPasskeyBanner() : null,
    view,
  )
  select('chat')
}

/** After a recovery code: the session can add a passkey (and nothing that needs a fresh assertion). */
function addPasskeyBanner(): HTMLElement {
  const add = h('button', { type: 'button', class: 'primary' }, 'Add a passkey now')
  const banner = h(
    'div',
    { class: 'banner', role: 'alert' },
    'You signed in with a recovery code. Add a new passkey to this device before you go on.',
    add,
  )
  add.addEventListener('click', () =>
    busy(add, async () => {
      await addPasskey('Recovered device')
      banner.remove()
      announce('Passkey added.')
    }),
  )
  return banner
}
