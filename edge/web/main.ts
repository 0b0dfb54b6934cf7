/**
 * The Tuxedo web client. Boots by asking /auth/session (the HttpOnly cookie decides), then shows either the
 * signed-out screens or the app: Chat and Accounts tabs, the user's email and Sign out. No framework and no
 * client-side storage: state lives on the server and in the DOM of the current page. Each tab's view is
 * built once and hidden, not rebuilt, when another tab is shown — an open thread, a live approval card or a
 * half-typed message survive a visit to Accounts — while messages shown in a view are cleared on the switch.
 */
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser'
import { startRegistration } from '@simplewebauthn/browser'
import { accountsView } from './accounts-view.ts'
import { api } from './api.ts'
import { authView } from './auth-view.ts'
import { chatView } from './chat-view.ts'
import { announce, busy, clearNotes, h, mount } from './dom.ts'
import { signOut, type User } from './passkeys.ts'

type Tab = 'chat' | 'accounts'

const root = document.getElementById('app')

async function currentUser(): Promise<User | undefined> {
  const res = await fetch('/auth/session', { credentials: 'same-origin' })
  if (!res.ok) return undefined
  const body = (await res.json()) as { user: User }
  return body.user
}

function showApp(app: HTMLElement, user: User, recovered: boolean): void {
  const chat = h('div', { class: 'panel', role: 'tabpanel', 'aria-label': 'Chat' }, chatView())
  const accounts = accountsView()
  const accountsPanel = h(
    'div',
    { class: 'panel', role: 'tabpanel', 'aria-label': 'Accounts', hidden: true },
    accounts.el,
  )
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
    if (tab === 'accounts') void accounts.refresh().catch(() => {})
    document.body.dataset.tab = tab
  }
  tabs.chat.addEventListener('click', () => select('chat'))
  tabs.accounts.addEventListener('click', () => select('accounts'))

  const out = h('button', { type: 'button', class: 'sign-out' }, 'Sign out')
  out.addEventListener('click', () =>
    busy(out, async () => {
      await signOut()
      start()
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
      const { challengeId, options } = await api<{
        challengeId: string
        options: PublicKeyCredentialCreationOptionsJSON
      }>('POST', '/auth/passkeys/options')
      const response = await startRegistration({ optionsJSON: options })
      await api('POST', '/auth/passkeys/verify', { challengeId, response, name: 'Recovered device' })
      banner.remove()
      announce('Passkey added.')
    }),
  )
  return banner
}

function start(): void {
  if (!root) return
  const app = root
  void currentUser().then(
    (user) => {
      if (user) showApp(app, user, false)
      else authView(app, (u, recovered) => showApp(app, u, recovered))
      document.body.dataset.ready = 'true'
      // Time to interactive as the browser test measures it: the first screen is rendered and usable.
      if (performance.getEntriesByName('tuxedo:interactive').length === 0)
        performance.mark('tuxedo:interactive')
    },
    () =>
      mount(
        app,
        h('p', { class: 'note error', role: 'alert' }, 'Cannot reach the server. Reload to try again.'),
      ),
  )
}

start()
