/**
 * The Tuxedo web client. Boots by asking /auth/session (the HttpOnly cookie decides; index.html preloads
 * that answer, so it is on its way while this script loads), then shows either the signed-out screens
 * (in this, the first chunk) or the app (app-view.ts, a chunk fetched only for a signed-in user). No
 * framework and no client-side storage: state lives on the server and in the DOM of the current page.
 * What the first screen does not show — Accounts, the cards of money steps, the WebAuthn library, HPKE,
 * Freighter — loads when first used (scripts/build-web.ts splits them).
 */
import { authView } from './auth-view.ts'
import { h, mount } from './dom.ts'
import type { User } from './passkeys.ts'

const root = document.getElementById('app')

async function currentUser(): Promise<User | undefined> {
  // Same URL and credentials mode as the <link rel="preload"> in index.html, so the preloaded answer is used.
  const res = await fetch('/auth/session', { credentials: 'include' })
  if (!res.ok) return undefined
  const body = (await res.json()) as { user: User }
  return body.user
}

/**
 * The app's chunks, all at once: without this each chunk's imports would be found only after it loads. For
 * a page loaded signed in, the Worker already put these links in the page (edge/routes/static.ts), so they
 * were fetched alongside the session answer; this adds only the missing ones (a sign-in on this page).
 */
function preloadApp(): void {
  const names = document.querySelector('meta[name="tuxedo-app-chunks"]')?.getAttribute('content') ?? ''
  const have = new Set(
    [...document.querySelectorAll<HTMLLinkElement>('link[rel="modulepreload"]')].map(
      (l) => new URL(l.href).pathname,
    ),
  )
  for (const href of names.split(' ').filter((n) => n && !have.has(n)))
    document.head.append(h('link', { rel: 'modulepreload', href }))
}

function signedIn(app: HTMLElement, user: User, recovered: boolean): Promise<void> {
  preloadApp()
  return import('./app-view.ts').then(({ showApp }) => showApp(app, user, recovered, start))
}

function start(): void {
  if (!root) return
  const app = root
  const fail = () =>
    mount(
      app,
      h('p', { class: 'note error', role: 'alert' }, 'Cannot reach the server. Reload to try again.'),
    )
  void currentUser()
    .then((user) =>
      user
        ? signedIn(app, user, false)
        : authView(app, (u, recovered) => void signedIn(app, u, recovered).catch(fail)),
    )
    .then(() => {
      document.body.dataset.ready = 'true'
      // Time to interactive as the browser test measures it: the first screen is rendered and usable.
      if (performance.getEntriesByName('tuxedo:interactive').length === 0)
        performance.mark('tuxedo:interactive')
    }, fail)
}

start()
