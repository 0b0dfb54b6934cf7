/**
 * External-wallet mode: a tool returns an unsigned transaction; the user signs it in their own Stellar
 * wallet and the page submits the signed envelope to /api/transactions/submit-signed. With the Freighter
 * extension installed the hand-off is one click (@stellar/freighter-api, bundled: the CSP allows no CDN);
 * otherwise the XDR is shown to copy into any wallet and the signed XDR can be pasted back. The network
 * passphrase travels with the request so the wallet signs for the network the edge will submit to.
 */
import { isConnected, signTransaction } from '@stellar/freighter-api'
import { api } from './api.ts'
import { announce, busy, field, h } from './dom.ts'

export type Unsigned = {
  readonly unsignedXdr: string
  readonly networkPassphrase: string
  readonly description?: string
}

/** Is the Freighter extension there? Its API answers through the page; no extension → false, never a throw. */
async function freighterPresent(): Promise<boolean> {
  // Without the extension nothing answers the library's page message: give it a moment, then say no.
  const absent = new Promise<false>((resolve) => setTimeout(() => resolve(false), 1_500))
  const asked = isConnected().then(
    (r) => r.isConnected === true && !r.error,
    () => false,
  )
  return Promise.race([asked, absent])
}

async function signWithFreighter(tx: Unsigned): Promise<string> {
  if (!(await freighterPresent()))
    throw new Error('Freighter is not installed: copy the transaction below instead')
  const out = await signTransaction(tx.unsignedXdr, { networkPassphrase: tx.networkPassphrase })
  if (out.error || !out.signedTxXdr) throw new Error('the wallet did not sign')
  return out.signedTxXdr
}

export function isUnsigned(data: unknown): data is Unsigned {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof Reflect.get(data, 'unsignedXdr') === 'string' &&
    typeof Reflect.get(data, 'networkPassphrase') === 'string'
  )
}

async function submit(xdr: string): Promise<{ hash: string; ledger: number }> {
  return api('POST', '/api/transactions/submit-signed', { xdr })
}

export function walletCard(tx: Unsigned): HTMLElement {
  const result = h('p', { class: 'muted', role: 'status' })
  const done = (r: { hash: string; ledger: number }) => {
    result.textContent = `Submitted: ${r.hash.slice(0, 16)}… in ledger ${r.ledger}`
    announce('Transaction submitted.')
  }
  const signBtn = h('button', { type: 'button', class: 'primary' }, 'Sign with Freighter')
  signBtn.addEventListener('click', () =>
    busy(signBtn, async () => {
      done(await submit(await signWithFreighter(tx)))
    }),
  )
  const paste = h(
    'form',
    { class: 'stack' },
    h(
      'label',
      {},
      'Signed transaction (XDR)',
      h('textarea', { name: 'signed', rows: '3', required: true, spellcheck: 'false' }),
    ),
    h('button', { type: 'submit' }, 'Submit signed transaction'),
  )
  // Offer the one-click path only where the extension answers; otherwise say how to do it by hand.
  void freighterPresent().then((present) => {
    if (!present) {
      signBtn.replaceWith(
        h(
          'p',
          { class: 'muted' },
          'Freighter is not installed here: copy the XDR into your wallet, then paste the signed XDR.',
        ),
      )
    }
  })
  paste.addEventListener('submit', (e) => {
    e.preventDefault()
    void busy(paste.querySelector('button'), async () => done(await submit(field(paste, 'signed'))))
  })
  return h(
    'section',
    { class: 'wallet', 'aria-label': 'Sign in your wallet' },
    h('h3', {}, 'Sign in your wallet'),
    tx.description ? h('p', {}, tx.description) : null,
    signBtn,
    h(
      'details',
      {},
      h('summary', {}, 'Unsigned transaction (XDR)'),
      h('pre', { class: 'mono' }, tx.unsignedXdr),
    ),
    paste,
    result,
  )
}
