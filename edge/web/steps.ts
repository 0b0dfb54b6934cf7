/**
 * A tool call as a compact, expandable step: what ran, for which account, and its result or error. The raw
 * arguments and result are shown as text inside a <details>, collapsed by default.
 */
import { h } from './dom.ts'

export type StepView = {
  readonly el: HTMLDetailsElement
  result(data: unknown, durationMs?: number): void
  error(code: string, message: string, durationMs?: number): void
}

const ACCOUNT_KEYS = ['account', 'from', 'account_id', 'accountId', 'source', 'to'] as const

/** Which account a call is about, read from the model's arguments (display only). */
export function accountOf(args: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(args)
    if (typeof parsed !== 'object' || parsed === null) return undefined
    for (const k of ACCOUNT_KEYS) {
      const v = Reflect.get(parsed, k)
      if (typeof v === 'string' && v !== '') return v.length > 20 ? `${v.slice(0, 6)}…${v.slice(-4)}` : v
    }
  } catch {
    // Malformed arguments are shown raw below.
  }
  return undefined
}

const actionOf = (args: string): string | undefined => {
  try {
    const v: unknown = Reflect.get(JSON.parse(args) as object, 'action')
    return typeof v === 'string' ? v : undefined
  } catch {
    return undefined
  }
}

export const pretty = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2))

export function createStep(name: string, args: string): StepView {
  const status = h('span', { class: 'step-status' }, 'running…')
  const account = accountOf(args)
  const action = actionOf(args)
  const body = h('div', { class: 'step-body' }, h('p', { class: 'label' }, 'Arguments'), h('pre', {}, args))
  const el = h(
    'details',
    { class: 'step running', 'data-tool': name },
    h(
      'summary',
      {},
      h('span', { class: 'step-name' }, action ? `${name} · ${action}` : name),
      account ? h('span', { class: 'step-account' }, account) : null,
      status,
    ),
    body,
  )
  const done = (cls: string, text: string, ms?: number) => {
    el.classList.remove('running')
    el.classList.add(cls)
    status.textContent = ms === undefined ? text : `${text} · ${Math.round(ms)} ms`
  }
  return {
    el,
    result(data, ms) {
      body.append(h('p', { class: 'label' }, 'Result'), h('pre', {}, pretty(data)))
      done('ok', 'done', ms)
    },
    error(code, message, ms) {
      body.append(h('p', { class: 'label' }, 'Error'), h('pre', {}, `${code}: ${message}`))
      done('failed', code === 'ERR_APPROVAL_REQUIRED' ? 'needs approval' : 'failed', ms)
    },
  }
}
