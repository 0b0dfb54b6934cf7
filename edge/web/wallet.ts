/**
 * External-wallet mode ("Sign with my own wallet"): a tool returns an unsigned transaction; the user signs it
 * in their own Stellar wallet and the page submits the signed envelope to /api/transactions/submit-signed,
 * naming the chat step that offered it, so the thread records what happened like an agent-signed step:
 * sent (hash, ledger, fee) or refused by the network. A reopened thread shows that state, read back from the
 * server. With the Freighter extension installed the hand-off is one click (@stellar/freighter-api, a chunk
 * loaded on first use: the CSP allows no CDN); otherwise the XDR is shown with a Copy button, with the
 * network passphrase the wallet must sign for, and the signed XDR can be pasted back. Once it lands the card
 * shows the receipt and its buttons stay disabled: the same envelope cannot be sent twice from here.
 */
import type { MoneyStep } from '../../shared/schemas/threads.ts'
import { ApiError, api } from './api.ts'
import { announce, busy, field, h, mount } from './dom.ts'
import type { Unsigned } from './read.ts'
import { legsOf, receipt } from './receipt.ts'
import { copyButton, networkInfo } from './ui.ts'

type Freighter = Pick<typeof import('@stellar/freighter-api'), 'isConnected' | 'signTransaction'>

/**
 * Loaded on first use (a chunk of its own): most visits never show a wallet card. The package is UMD, so a
 * split chunk hands it over as the default export; typed imports see the named ones.
 */
const freighter = async (): Promise<Freighter> => {
  const m = await import('@stellar/freighter-api')
  return typeof m.isConnected === 'function' ? m : m.default
}

/** Is the Freighter extension there? Its API answers through the page; no extension → false, never a throw. */
async function freighterPresent(): Promise<boolean> {
  // Without the extension nothing answers the library's page message: give it a moment, then say no.
  const absent = new Promise<false>((resolve) => setTimeout(() => resolve(false), 1_500))
  const asked = freighter()
    .then((f) => f.isConnected())
    .then(
      (r) => r.isConnected === true && !r.error,
      () => false,
    )
  return Promise.race([asked, absent])
}

async function signWithFreighter(tx: Unsigned): Promise<string> {
  if (!(await freighterPresent()))
    throw new Error('Freighter is not installed: copy the transaction below instead')
  const out = await (await freighter()).signTransaction(tx.unsignedXdr, {
    networkPassphrase: tx.networkPassphrase,
  })
  if (out.error || !out.signedTxXdr) throw new Error('the wallet did not sign')
  return out.signedTxXdr
}

type Submitted = { hash: string; ledger?: number | undefined; feeCharged?: string | undefined }

/** Where the card sits: the thread and tool call that offered the transaction, and what the thread knows. */
export type WalletContext = {
  readonly threadId?: string | undefined
  readonly callId?: string | undefined
  /** The thread's record of this step (a reopened thread): submitted or failed. */
  readonly step?: MoneyStep | undefined
  /** Hears the step's state: submitted once it lands, failed when the network refused it. */
  readonly onState?: ((state: 'submitted' | 'failed') => void) | undefined
}

export function walletCard(tx: Unsigned, ctx: WalletContext = {}): HTMLElement {
  const ref = ctx.threadId && ctx.callId ? { step: { threadId: ctx.threadId, callId: ctx.callId } } : {}
  const heading = h('h3', {}, 'Sign with your own wallet')
  const end = h('div', { class: 'end' })
  const signBtn = h('button', { type: 'button', class: 'primary' }, 'Sign with Freighter')
  const submitBtn = h('button', { type: 'submit' }, 'Submit signed transaction')
  const card = h('section', { class: 'wallet', 'aria-label': 'Sign with your own wallet' })
  /** Refused: nothing moved, and the card stays open (the same transaction, signed again, may still land). */
  const refused = () => {
    card.dataset.status = 'failed'
    heading.textContent = 'Refused by the network — nothing was sent'
    ctx.onState?.('failed')
  }
  const submit = (xdr: string): Promise<Submitted> =>
    api<Submitted>('POST', '/api/transactions/submit-signed', { xdr, ...ref }).catch((e: unknown) => {
      // The network's refusal is the step's state; anything else (a typo in the paste, an outage) is not.
      if (e instanceof ApiError && e.code === 'ERR_TX_SUBMIT_FAILED') refused()
      throw e
    })
  const done = async (r: Submitted) => {
    for (const b of [signBtn, submitBtn]) {
      b.disabled = true
      b.dataset.final = 'true'
    }
    card.dataset.status = 'submitted'
    heading.textContent = r.ledger
      ? `Signed in your wallet — sent in ledger ${r.ledger}`
      : 'Signed in your wallet — sent'
    ctx.onState?.('submitted')
    const net = await networkInfo().catch(() => undefined)
    mount(
      end,
      receipt(
        legsOf(undefined, tx.preview),
        { hash: r.hash, ledger: r.ledger, feeStroops: r.feeCharged },
        net,
      ),
    )
  }
  signBtn.addEventListener('click', () =>
    busy(signBtn, async () => {
      await landed(await submit(await signWithFreighter(tx)))
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
    submitBtn,
  )
  // Offer the one-click path only where the extension answers; otherwise say how to do it by hand.
  void freighterPresent().then((present) => {
    if (!present) {
      signBtn.replaceWith(
        h(
          'p',
          { class: 'muted' },
          'Freighter is not installed here: copy the XDR into your wallet, sign it for the network below, ' +
            'then paste the signed XDR.',
        ),
      )
    }
  })
  paste.addEventListener('submit', (e) => {
    e.preventDefault()
    void busy(submitBtn, async () => landed(await submit(field(paste, 'signed'))))
  })
  /** Just now, from this card: the receipt comes into view and is announced. */
  const landed = async (r: Submitted) => {
    await done(r)
    end.scrollIntoView({ block: 'nearest' })
    announce('Transaction submitted.')
  }
  mount(
    card,
    heading,
    tx.description ? h('p', {}, tx.description) : null,
    signBtn,
    h(
      'dl',
      {},
      h('dt', {}, 'Network passphrase'),
      h(
        'dd',
        {},
        h(
          'span',
          { class: 'key-line' },
          h('span', { class: 'mono full passphrase' }, tx.networkPassphrase),
          copyButton(tx.networkPassphrase, 'network passphrase'),
        ),
      ),
    ),
    h(
      'details',
      {},
      h('summary', {}, 'Unsigned transaction (XDR)'),
      h('pre', { class: 'mono xdr' }, tx.unsignedXdr),
      copyButton(tx.unsignedXdr, 'XDR'),
    ),
    paste,
    end,
  )
  // A reopened thread: what happened to this transaction, as the server recorded it.
  const { step } = ctx
  if (step?.status === 'submitted' && step.txHash)
    void done({ hash: step.txHash, ledger: step.ledger ?? undefined, feeCharged: step.fee ?? undefined })
  else if (step?.status === 'failed') refused()
  return card
}
