/**
 * Signed-out screens: create an account with a passkey, sign in with one, or recover with a code. After
 * sign-up the eight recovery codes are shown once; the user must confirm "I saved them" to go on, and the
 * codes leave the DOM when they do.
 */
import { busy, clearNotes, field, h, mount } from './dom.ts'
import { recover, signIn, signUp, type User, warmPasskeys } from './passkeys.ts'

export function authView(root: HTMLElement, onSignedIn: (user: User, recovered: boolean) => void): void {
  /** A failure is shown inside the form that failed (busy puts it next to the button), nowhere else. */
  const guard = async (button: HTMLButtonElement | null, action: () => Promise<void>) => {
    clearNotes(root)
    await busy(button, action)
  }

  const up = h(
    'form',
    { class: 'stack card', 'aria-labelledby': 'signup-h' },
    h('h2', { id: 'signup-h' }, 'Create an account'),
    h(
      'label',
      {},
      'Email',
      h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email' }),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Create account with a passkey'),
  )
  up.addEventListener('submit', (e) => {
    e.preventDefault()
    void guard(up.querySelector('button'), async () => {
      const { user, recoveryCodes } = await signUp(field(up, 'email'))
      showRecoveryCodes(root, recoveryCodes, () => onSignedIn(user, false))
    })
  })

  const inForm = h(
    'form',
    { class: 'stack card', 'aria-labelledby': 'signin-h' },
    h('h2', { id: 'signin-h' }, 'Sign in'),
    h(
      'label',
      {},
      'Email (optional with a synced passkey)',
      h('input', { name: 'email', type: 'email', autocomplete: 'username webauthn' }),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in with a passkey'),
  )
  inForm.addEventListener('submit', (e) => {
    e.preventDefault()
    void guard(inForm.querySelector('button'), async () =>
      onSignedIn(await signIn(field(inForm, 'email')), false),
    )
  })

  const rec = h(
    'form',
    { class: 'stack' },
    h(
      'label',
      {},
      'Email',
      h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email' }),
    ),
    h(
      'label',
      {},
      'Recovery code',
      h('input', { name: 'code', required: true, autocomplete: 'one-time-code', placeholder: 'abcde-fgh23' }),
    ),
    h('button', { type: 'submit' }, 'Use recovery code'),
  )
  rec.addEventListener('submit', (e) => {
    e.preventDefault()
    void guard(rec.querySelector('button'), async () =>
      onSignedIn(await recover(field(rec, 'email'), field(rec, 'code')), true),
    )
  })

  mount(
    root,
    h(
      'main',
      // The WebAuthn library comes when the user starts on a form, before the ceremony needs it.
      { class: 'auth', id: 'main', onfocusin: warmPasskeys, onpointerdown: warmPasskeys },
      h('h1', {}, 'Tuxedo'),
      h(
        'p',
        { class: 'lead' },
        'Chat with an agent that manages your Stellar accounts. Keys stay in an attested signer.',
      ),
      h('div', { class: 'auth-grid' }, up, inForm),
      h('details', { class: 'card' }, h('summary', {}, 'Lost your passkey?'), rec),
    ),
  )
}

function showRecoveryCodes(root: HTMLElement, codes: readonly string[], next: () => void): void {
  const saved = h('input', { type: 'checkbox', name: 'saved' })
  const go = h('button', { type: 'button', class: 'primary', disabled: true }, 'Continue')
  saved.addEventListener('change', () => {
    go.disabled = !saved.checked
  })
  const copy = h('button', { type: 'button' }, 'Copy codes')
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(codes.join('\n')).then(() => {
      copy.textContent = 'Copied'
    })
  })
  go.addEventListener('click', () => {
    if (saved.checked) next()
  })
  mount(
    root,
    h(
      'main',
      { class: 'auth recovery', id: 'main' },
      h('h1', {}, 'Save your recovery codes'),
      h(
        'p',
        {},
        'If you lose your passkey, each code lets you in once so you can add a new one. They are shown only ' +
          'now: write them down or keep them in a password manager.',
      ),
      h('ol', { class: 'codes mono', 'aria-label': 'Recovery codes' }, ...codes.map((c) => h('li', {}, c))),
      h('div', { class: 'row' }, copy),
      h('label', { class: 'check' }, saved, 'I saved them somewhere safe'),
      go,
    ),
  )
  saved.focus()
}
