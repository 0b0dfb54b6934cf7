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
}

const assetLabel = (key: string) => (key === 'native' ? 'XLM' : (key.split(':')[0] ?? key))

export async function listApprovals(): Promise<Approval[]> {
  return (await api<{ approvals: Approval[] }>('GET', '/api/approvals')).approvals
}

/** Renders one approval; `onDecided` runs after approve or reject with the new status. */
export function approvalCard(
  approval: Approval,
  onDecided: (status: string) => void = () => {},
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
      const done = await api<Approval>(
        'POST',
        `/api/approvals/${encodeURIComponent(approval.approvalId)}/approve`,
        { challengeId, response },
      )
      announce('Approved.')
      settle(done.status)
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
      return approvalCard(await api<Approval>('GET', `/api/approvals/${encodeURIComponent(data.approvalId)}`))
    const match = data.txHash ? (await listApprovals()).find((a) => a.txHash === data.txHash) : undefined
    if (match) return approvalCard(match)
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
