/**
 * Approval cards: what leaves, for which account, why approval is needed and until when; Approve signs a
 * passkey challenge that the edge binds to this approval's transaction hash (POST /api/approvals/:id/options
 * then /approve), Reject needs only the session. The preview comes from the signer's record, not from the
 * model's text, so the card shows what will actually be signed.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser'
import { api } from './api.ts'
import { announce, busy, h } from './dom.ts'
import { assert } from './passkeys.ts'

export type Approval = {
  readonly approvalId: string
  readonly accountId: string
  readonly txHash: string
  readonly amounts: Readonly<Record<string, string>>
  readonly reason: string
  readonly status: string
  readonly expiresAt: string
  /** The signer's reading of the XDR it will sign: one line per operation, and the most it costs in fees. */
  readonly preview?: { readonly lines: readonly { readonly text: string }[]; readonly fee: string }
}

const assetLabel = (key: string) => (key === 'native' ? 'XLM' : (key.split(':')[0] ?? key))

export async function listApprovals(): Promise<Approval[]> {
  return (await api<{ approvals: Approval[] }>('GET', '/api/approvals')).approvals
}

const str = (o: unknown, k: string): string | undefined => {
  const v: unknown = typeof o === 'object' && o !== null ? Reflect.get(o, k) : undefined
  return typeof v === 'string' ? v : undefined
}
const short = (k: string) => (k.length > 20 ? `${k.slice(0, 6)}…${k.slice(-4)}` : k)

/**
 * The edge's simulation preview (edge/stellar/simulate.ts), read defensively: each leg (what leaves, from
 * where, to whom), the fee, and what the source holds afterwards.
 */
function previewRows(preview: unknown): HTMLElement[] {
  if (typeof preview !== 'object' || preview === null) return []
  const legs: unknown = Reflect.get(preview, 'legs')
  const rows: HTMLElement[] = []
  if (Array.isArray(legs))
    for (const leg of legs) {
      const asset = str(leg, 'asset') ?? '?'
      const to = str(leg, 'to')
      rows.push(
        h('dt', {}, str(leg, 'kind') ?? 'leg'),
        h(
          'dd',
          {},
          `${str(leg, 'amount') ?? '?'} ${assetLabel(asset)} from ${short(str(leg, 'from') ?? '?')}`,
          to ? ` to ${short(to)}` : '',
        ),
      )
    }
  const fee = str(preview, 'fee')
  if (fee) rows.push(h('dt', {}, 'Network fee'), h('dd', {}, `${fee} XLM`))
  const after: unknown = Reflect.get(preview, 'sourceAfter')
  if (typeof after === 'object' && after !== null)
    rows.push(
      h('dt', {}, 'Left after'),
      h(
        'dd',
        {},
        Object.entries(after)
          .map(([k, v]) => `${String(v)} ${assetLabel(k)}`)
          .join(', '),
      ),
    )
  return rows
}

/** Renders one approval; `onDecided` runs after approve or reject with the new status. */
export function approvalCard(
  approval: Approval,
  onDecided: (status: string) => void = () => {},
  preview?: unknown,
): HTMLElement {
  const status = h('p', { class: 'approval-status', role: 'status' }, approval.status)
  const approveBtn = h('button', { type: 'button', class: 'primary' }, 'Approve with passkey')
  const rejectBtn = h('button', { type: 'button', class: 'danger' }, 'Reject')
  const settle = (s: string) => {
    status.textContent = s
    approveBtn.disabled = true
    rejectBtn.disabled = true
    card.dataset.status = s
    onDecided(s)
  }
  approveBtn.addEventListener('click', () =>
    busy(approveBtn, async () => {
      const { challengeId, options } = await api<{
        challengeId: string
        options: PublicKeyCredentialRequestOptionsJSON
      }>('POST', `/api/approvals/${encodeURIComponent(approval.approvalId)}/options`)
      const response = await assert(options)
      const done = await api<Approval & { hash?: string; ledger?: number }>(
        'POST',
        `/api/approvals/${encodeURIComponent(approval.approvalId)}/approve`,
        { challengeId, response },
      )
      announce('Approved.')
      settle(done.status)
      // If the edge signs and submits on approval, it says where the transaction landed.
      if (typeof done.hash === 'string')
        status.textContent = `${done.status}: ${done.hash.slice(0, 16)}…${done.ledger ? ` in ledger ${done.ledger}` : ''}`
    }),
  )
  rejectBtn.addEventListener('click', () =>
    busy(rejectBtn, async () => {
      const done = await api<Approval>(
        'POST',
        `/api/approvals/${encodeURIComponent(approval.approvalId)}/reject`,
      )
      announce('Rejected.')
      settle(done.status)
    }),
  )
  const pending = approval.status === 'pending'
  approveBtn.disabled = !pending
  rejectBtn.disabled = !pending
  const card = h(
    'section',
    { class: 'approval', 'aria-label': 'Approval needed', 'data-status': approval.status },
    h('h3', {}, 'Approval needed'),
    h('p', {}, approval.reason),
    h(
      'dl',
      {},
      h('dt', {}, 'Leaves'),
      h(
        'dd',
        {},
        Object.entries(approval.amounts)
          .map(([k, v]) => `${v} ${assetLabel(k)}`)
          .join(', ') || '—',
      ),
      ...(approval.preview?.lines ?? []).flatMap((l) => [h('dt', {}, 'Signs'), h('dd', {}, l.text)]),
      ...(approval.preview ? [h('dt', {}, 'Fee (at most)'), h('dd', {}, `${approval.preview.fee} XLM`)] : []),
      ...previewRows(preview),
      h('dt', {}, 'From account'),
      h('dd', { class: 'mono' }, approval.accountId),
      h('dt', {}, 'Transaction'),
      h('dd', { class: 'mono' }, `${approval.txHash.slice(0, 16)}…`),
      h('dt', {}, 'Expires'),
      h('dd', {}, new Date(approval.expiresAt).toLocaleString()),
    ),
    status,
    h('div', { class: 'row' }, approveBtn, rejectBtn),
  )
  return card
}

/**
 * For an `approval_required` event: show the signer's record, found by approval id or else by the
 * transaction hash the event carries; failing both, the event's own words.
 */
export async function approvalFromEvent(data: {
  approvalId?: string | undefined
  txHash?: string | undefined
  message: string
  preview?: unknown
}): Promise<HTMLElement> {
  try {
    if (data.approvalId)
      return approvalCard(
        await api<Approval>('GET', `/api/approvals/${encodeURIComponent(data.approvalId)}`),
        undefined,
        data.preview,
      )
    const match = data.txHash ? (await listApprovals()).find((a) => a.txHash === data.txHash) : undefined
    if (match) return approvalCard(match, undefined, data.preview)
  } catch {
    // Fall through to the plain notice.
  }
  return h(
    'section',
    { class: 'approval', 'aria-label': 'Approval needed' },
    h('h3', {}, 'Approval needed'),
    h('p', {}, data.message),
    typeof data.preview === 'string' ? h('p', {}, data.preview) : null,
    h('p', { class: 'muted' }, 'Open Approvals in the Accounts tab to decide.'),
  )
}
