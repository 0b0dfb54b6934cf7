/**
 * External-wallet mode: a tool returns an unsigned transaction; the user signs it in their own Stellar
 * wallet and the page submits the signed envelope to /api/transactions/submit-signed. With Freighter's API
 * on the page (`window.freighterApi`, the global its UMD build defines) the hand-off is one click; otherwise
 * the XDR is shown to copy into any wallet and the signed XDR can be pasted back. The package
 * @stellar/freighter-api is not bundled (not installed here); the CSP forbids loading it from a CDN.
 */
import { api } from './api.ts'
import { announce, busy, field, h } from './dom.ts'

export type Unsigned = {
  readonly unsignedXdr: string
  readonly networkPassphrase: string
  readonly description?: string
}

type FreighterSign = (
  xdr: string,
  opts: { networkPassphrase: string },
) => Promise<string | { signedTxXdr?: string; error?: unknown }>

function freighter(): FreighterSign | undefined {
  const api: unknown = Reflect.get(window, 'freighterApi')
  if (typeof api !== 'object' || api === null) return undefined
  const sign: unknown = Reflect.get(api, 'signTransaction')
  return typeof sign === 'function' ? (sign as FreighterSign).bind(api) : undefined
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
  const sign = freighter()
  const signBtn = h('button', { type: 'button', class: 'primary' }, 'Sign with Freighter')
  signBtn.addEventListener('click', () =>
    busy(signBtn, async () => {
      if (!sign) throw new Error('Freighter is not available on this page')
      const out = await sign(tx.unsignedXdr, { networkPassphrase: tx.networkPassphrase })
      const signed = typeof out === 'string' ? out : out.signedTxXdr
      if (!signed) throw new Error('the wallet did not sign')
      done(await submit(signed))
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
  paste.addEventListener('submit', (e) => {
    e.preventDefault()
    void busy(paste.querySelector('button'), async () => done(await submit(field(paste, 'signed'))))
  })
  return h(
    'section',
    { class: 'wallet', 'aria-label': 'Sign in your wallet' },
    h('h3', {}, 'Sign in your wallet'),
    tx.description ? h('p', {}, tx.description) : null,
    sign
      ? signBtn
      : h('p', { class: 'muted' }, 'No Freighter API on this page: copy the XDR into your wallet.'),
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
