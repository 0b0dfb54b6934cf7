/**
 * Small shared pieces: copy buttons for keys, hashes and XDR, and explorer links for the network in use (none on `custom`, which no
 * public explorer knows). The network facts come once from GET /api/network.
 */
import { api } from './api.ts'
import { type Child, h, note } from './dom.ts'
import { short } from './format.ts'

export type NetworkInfo = {
  readonly name: 'testnet' | 'mainnet' | 'custom'
  readonly passphrase: string
  readonly friendbot: boolean
  readonly explorer: string | null
}

let net: Promise<NetworkInfo> | undefined
export const networkInfo = (): Promise<NetworkInfo> => {
  net ??= api<NetworkInfo>('GET', '/api/network').catch((e: unknown) => {
    net = undefined
    throw e
  })
  return net
}

/** A button that copies `text`; its label says what it copies, for screen readers and tests. */
export function copyButton(text: string, what: string): HTMLButtonElement {
  const b = h(
    'button',
    { type: 'button', class: 'copy', 'aria-label': `Copy ${what}`, title: `Copy ${what}` },
    'Copy',
  )
  b.addEventListener('click', () => {
    void navigator.clipboard?.writeText(text).then(
      () => {
        b.textContent = 'Copied'
        setTimeout(() => {
          b.textContent = 'Copy'
        }, 1500)
      },
      () => note(b, `Could not copy: select the text and copy it by hand.`, 'error'),
    )
  })
  return b
}

/** A key or hash in full (it wraps; nothing is cut) with its copy button. */
export const fullKey = (value: string, what: string): HTMLElement =>
  h(
    'span',
    { class: 'key-line' },
    h('span', { class: 'mono full', title: value }, value),
    copyButton(value, what),
  )

/** A link to the transaction (or account) on the network's explorer, or nothing on a private network. */
export function explorerLink(info: NetworkInfo | undefined, kind: 'tx' | 'account', id: string): Child {
  if (!info?.explorer) return null
  return h(
    'a',
    {
      href: `${info.explorer}/${kind}/${id}`,
      target: '_blank',
      rel: 'noopener noreferrer',
      class: 'explorer',
    },
    kind === 'tx' ? 'View on explorer' : `${short(id)} on explorer`,
  )
}

export type AccountRef = {
  readonly accountId: string
  readonly publicKey: string
  readonly name: string | null
}
let accounts: Promise<Map<string, AccountRef>> | undefined

/** The user's accounts by id and by public key, to show names instead of `acc_…` ids; `fresh` re-reads. */
export function accountIndex(fresh = false): Promise<Map<string, AccountRef>> {
  if (fresh || !accounts)
    accounts = api<{ accounts: AccountRef[] }>('GET', '/api/accounts').then(
      (r) => new Map(r.accounts.flatMap((a) => [[a.accountId, a] as const, [a.publicKey, a] as const])),
      () => new Map(),
    )
  return accounts
}

/** "Savings" for a known account, else the key shortened (never an internal `acc_…` id). */
export const accountLabel = (index: ReadonlyMap<string, AccountRef>, idOrKey: string): string => {
  const a = index.get(idOrKey)
  return a
    ? (a.name ?? short(a.publicKey))
    : idOrKey.startsWith('acc_')
      ? 'one of your accounts'
      : short(idOrKey)
}
