/**
 * The one approval card, used in chat, in a reopened thread and on the Accounts page. It shows what will be
 * signed — the signer's decoded preview when the record carries one (what it reads from the XDR it signs),
 * else the edge's simulation — with the destination in full, the fee, what remains and the expiry, and the
 * state of the decision. Approve signs a passkey challenge bound to this approval's transaction hash (POST
 * /api/approvals/:id/options then /approve, which also submits); Reject needs only the session. Once a
 * decision is made both buttons stay disabled (`data-final`), so a second click cannot ask for the passkey
 * again, and the heading says how it ended: "Approved — sent in ledger N", "Rejected", "Expired".
 */
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser'
import type { MoneyStep } from '../../shared/schemas/threads.ts'
import { api } from './api.ts'
import { announce, busy, h, mount } from './dom.ts'
import { amount, money, reasonText, when } from './format.ts'
import { assert, warmPasskeys } from './passkeys.ts'
import { num, str } from './read.ts'
import { legRows, legsOf, receipt, remains } from './receipt.ts'
import { accountIndex, accountLabel, fullKey, networkInfo } from './ui.ts'

export type Approval = {
  readonly approvalId: string
  readonly accountId: string
  readonly txHash: string
  readonly amounts: Readonly<Record<string, string>>
  readonly reason: string
  readonly status: string
  readonly expiresAt: string
  /** The signer's decoded preview (lines, fee), when the signer stores one. */
  readonly preview?: unknown
  /** The edge's simulation of a pending approval (legs, fee, sourceAfter). */
  readonly simulation?: unknown
}

export async function listApprovals(): Promise<Approval[]> {
  return (await api<{ approvals: Approval[] }>('GET', '/api/approvals')).approvals
}

export type State = 'pending' | 'approved' | 'submitted' | 'rejected' | 'expired'

/** The card's state from the signer's record and, when known, the thread's record of the step. */
export function stateOf(
  a: Pick<Approval, 'status' | 'expiresAt'>,
  step?: MoneyStep,
  now = Date.now(),
): State {
  if (step?.status === 'submitted' || a.status === 'used') return 'submitted'
  if (a.status === 'rejected' || step?.status === 'rejected') return 'rejected'
  if (a.status === 'expired' || (a.status === 'pending' && Date.parse(a.expiresAt) < now)) return 'expired'
  if (a.status === 'approved') return 'approved'
  return 'pending'
}

const HEADINGS: Readonly<Record<State, string>> = {
  pending: 'Approval needed',
  approved: 'Approved — not sent yet',
  submitted: 'Approved — sent',
  rejected: 'Rejected — nothing was sent',
  expired: 'Expired — nothing was sent',
}

type Landed = { hash: string; ledger?: number | undefined; fee?: string | null | undefined }
type Decision = { approvalId: string; state: State; landed?: Landed | undefined }
const DECIDED = 'tuxedo:approval-decided'

export type CardInput = {
  readonly approval: Approval
  /** The edge's simulation (legs, fee, sourceAfter), from the live event or the stored tool result. */
  readonly edgePreview?: unknown
  readonly step?: MoneyStep | undefined
}

/** `onState` hears every state the card shows: the first one, then each decision. */
export function approvalCard(input: CardInput, onState: (state: State) => void = () => {}): HTMLElement {
  const { approval, step } = input
  const edgePreview = input.edgePreview ?? approval.simulation
  const legs = legsOf(approval.preview, edgePreview)
  const heading = h('h3', {}, HEADINGS.pending)
  const from = h('dd', {}, approval.accountId)
  const end = h('div', { class: 'end' })
  const approveBtn = h('button', { type: 'button', class: 'primary' }, 'Approve with passkey')
  const rejectBtn = h('button', { type: 'button', class: 'danger' }, 'Reject')
  const fee = str(approval.preview, 'fee') ?? str(edgePreview, 'fee')
  const left = remains(edgePreview)
  const reason = h('p', {}, reasonText(approval.reason))
  const expiry = [h('dt', {}, 'Expires'), h('dd', {}, when(approval.expiresAt))]
  const hashRow = [h('dt', {}, 'Transaction'), h('dd', {}, fullKey(approval.txHash, 'transaction hash'))]
  const card = h(
    'section',
    { class: 'approval', 'aria-label': 'Approval', 'data-approval': approval.approvalId },
    heading,
    reason,
    h(
      'dl',
      {},
      ...(legs.length > 0
        ? legRows(legs)
        : [
            h('dt', {}, 'What leaves'),
            h(
              'dd',
              {},
              Object.entries(approval.amounts)
                .map(([k, v]) => money(v, k))
                .join(', ') || '—',
            ),
          ]),
      h('dt', {}, 'From'),
      from,
      fee ? h('dt', {}, 'Network fee (at most)') : null,
      fee ? h('dd', {}, `${amount(fee)} XLM`) : null,
      left ? h('dt', {}, 'Left after') : null,
      left ? h('dd', {}, left) : null,
      ...expiry,
      ...hashRow,
    ),
    end,
    h('div', { class: 'row actions' }, approveBtn, rejectBtn),
  )
  void accountIndex().then((idx) => {
    from.textContent = accountLabel(idx, approval.accountId)
  })

  const show = (state: State, landed?: Landed) => {
    card.dataset.status = state
    onState(state)
    const ledger = landed?.ledger
    heading.textContent =
      state === 'submitted' && ledger ? `Approved — sent in ledger ${ledger}` : HEADINGS[state]
    const open = state === 'pending'
    // Once decided, the expiry no longer matters; once sent, the receipt carries the hash.
    for (const el of [reason, ...expiry]) el.hidden = !open
    for (const el of hashRow) el.hidden = state === 'submitted'
    for (const b of [approveBtn, rejectBtn]) {
      b.disabled = !open
      b.dataset.final = String(!open)
    }
    if (state === 'submitted' && landed)
      void networkInfo()
        .catch(() => undefined)
        .then((net) =>
          mount(end, receipt(legs, { hash: landed.hash, ledger, feeStroops: landed.fee, feeXlm: fee }, net)),
        )
  }
  show(
    stateOf(approval, step),
    step?.txHash
      ? { hash: step.txHash, ledger: step.ledger ?? undefined, fee: step.fee }
      : approval.status === 'used'
        ? { hash: approval.txHash }
        : undefined,
  )

  /**
   * The same approval can be on screen twice (chat and Accounts keep their views): a decision in one card
   * is heard by the others, so neither offers a button that would only say "already decided".
   */
  const decide = (state: State, landed?: Landed) => {
    show(state, landed)
    document.dispatchEvent(
      new CustomEvent<Decision>(DECIDED, { detail: { approvalId: approval.approvalId, state, landed } }),
    )
  }
  const hear = (e: Event) => {
    if (!card.isConnected) return document.removeEventListener(DECIDED, hear)
    const d = (e as CustomEvent<Decision>).detail
    if (d.approvalId === approval.approvalId && card.dataset.status !== d.state) show(d.state, d.landed)
  }
  document.addEventListener(DECIDED, hear)

  /**
   * After a failure (the passkey, the network, a decision made in another view), the signer's record says
   * where this approval stands now, and the buttons follow it.
   */
  const resync = async () => {
    const fresh = await api<Approval>(
      'GET',
      `/api/approvals/${encodeURIComponent(approval.approvalId)}`,
    ).catch(() => undefined)
    const st = fresh ? stateOf(fresh) : 'pending'
    decide(st, st === 'submitted' && fresh ? { hash: fresh.txHash } : undefined)
  }
  const path = (what: string) => `/api/approvals/${encodeURIComponent(approval.approvalId)}/${what}`
  approveBtn.addEventListener('click', () =>
    busy(approveBtn, async () => {
      rejectBtn.disabled = true
      warmPasskeys()
      try {
        const { challengeId, options } = await api<{
          challengeId: string
          options: PublicKeyCredentialRequestOptionsJSON
        }>('POST', path('options'))
        const response = await assert(options)
        const done = await api<Approval & { hash?: string; ledger?: number; fee?: string | null }>(
          'POST',
          path('approve'),
          { challengeId, response },
        )
        const hash = str(done, 'hash')
        decide(
          hash ? 'submitted' : 'approved',
          hash ? { hash, ledger: num(done, 'ledger'), fee: done.fee } : undefined,
        )
        announce(hash ? 'Approved and sent.' : 'Approved.')
      } catch (e) {
        await resync()
        throw e
      }
    }),
  )
  rejectBtn.addEventListener('click', () =>
    busy(rejectBtn, async () => {
      approveBtn.disabled = true
      await api('POST', path('reject')).catch(async (e: unknown) => {
        await resync()
        throw e
      })
      decide('rejected')
      announce('Rejected. Nothing was sent.')
    }),
  )
  return card
}

/**
 * For an `approval_required` event or a stored approval step: the signer's record by approval id (found
 * by the transaction hash if the id is missing); failing both, the event's own words.
 */
export async function approvalFor(ref: {
  approvalId?: string | null | undefined
  txHash?: string | null | undefined
  message: string
  edgePreview?: unknown
  step?: MoneyStep | undefined
  onState?: (state: State) => void
}): Promise<HTMLElement> {
  try {
    const approval = ref.approvalId
      ? await api<Approval>('GET', `/api/approvals/${encodeURIComponent(ref.approvalId)}`)
      : ref.txHash
        ? (await listApprovals()).find((a) => a.txHash === ref.txHash)
        : undefined
    if (approval) return approvalCard({ approval, edgePreview: ref.edgePreview, step: ref.step }, ref.onState)
  } catch {
    // Fall through to the plain notice.
  }
  return h(
    'section',
    { class: 'approval', 'aria-label': 'Approval' },
    h('h3', {}, 'Approval needed'),
    h('p', {}, reasonText(ref.message)),
    h('p', { class: 'muted' }, 'Pending approvals are listed on the Accounts page.'),
  )
}
