/**
 * A tool call as a compact, expandable step: what ran in words ("Payment · send"), for which account (its
 * name, never an internal `acc_…` id), and how it ended — done, failed (in a sentence, the code beside it),
 * or for money the real state: needs approval, sent, rejected, expired. The raw arguments and result stay
 * inside a <details>, collapsed by default.
 */
import { h } from './dom.ts'
import { sentence, toolName } from './format.ts'
import { accountIndex, accountLabel } from './ui.ts'

export type StepState =
  | 'ok'
  | 'failed'
  | 'pending'
  | 'unsigned'
  | 'submitted'
  | 'rejected'
  | 'expired'
  | 'approved'

export type StepView = {
  readonly el: HTMLDetailsElement
  result(data: unknown, durationMs?: number): void
  error(code: string, message: string, durationMs?: number): void
  /** The money state, once known (from the approval card or the thread's stored steps). */
  state(state: StepState): void
}

const ACCOUNT_KEYS = ['account', 'from', 'account_id', 'accountId', 'source'] as const

const parsed = (args: string): Record<string, unknown> => {
  try {
    const v: unknown = JSON.parse(args)
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** Which account a call is about, read from the model's arguments (display only). */
export function accountOf(args: string): string | undefined {
  const p = parsed(args)
  for (const k of ACCOUNT_KEYS) {
    const v = p[k]
    if (typeof v === 'string' && v !== '') return v
  }
  return undefined
}

export const pretty = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2))

const WORDS: Readonly<Record<StepState, string>> = {
  ok: 'done',
  failed: 'failed',
  pending: 'needs approval',
  unsigned: 'sign in your wallet',
  approved: 'approved',
  submitted: 'sent',
  rejected: 'rejected',
  expired: 'expired',
}

export function createStep(name: string, args: string): StepView {
  const status = h('span', { class: 'step-status' }, 'running…')
  const account = accountOf(args)
  const action = parsed(args).action
  const who = account ? h('span', { class: 'step-account' }) : null
  if (who && account)
    void accountIndex().then((idx) => {
      who.textContent = accountLabel(idx, account)
    })
  const body = h('div', { class: 'step-body' }, h('p', { class: 'label' }, 'Arguments'), h('pre', {}, args))
  const el = h(
    'details',
    { class: 'step running', 'data-tool': name },
    h(
      'summary',
      {},
      h(
        'span',
        { class: 'step-name' },
        typeof action === 'string' ? `${toolName(name)} · ${action.replace(/_/g, ' ')}` : toolName(name),
      ),
      who,
      status,
    ),
    body,
  )
  let ms: number | undefined
  const state = (s: StepState) => {
    el.className = `step ${s === 'ok' || s === 'submitted' ? 'ok' : s === 'pending' || s === 'approved' || s === 'unsigned' ? 'waiting' : 'failed'}`
    el.dataset.state = s
    status.textContent = ms === undefined ? WORDS[s] : `${WORDS[s]} · ${Math.round(ms)} ms`
  }
  return {
    el,
    state,
    result(data, durationMs) {
      ms = durationMs
      body.append(h('p', { class: 'label' }, 'Result'), h('pre', {}, pretty(data)))
      const has = (k: string) =>
        typeof data === 'object' && data !== null && typeof Reflect.get(data, k) === 'string'
      state(has('hash') ? 'submitted' : has('unsignedXdr') ? 'unsigned' : 'ok')
    },
    error(code, message, durationMs) {
      ms = durationMs
      body.append(
        h('p', { class: 'label' }, 'Error'),
        h('p', {}, sentence(code) ?? message),
        h('p', { class: 'code mono' }, `${code}: ${message}`),
      )
      state(code === 'ERR_APPROVAL_REQUIRED' ? 'pending' : 'failed')
    },
  }
}
