/**
 * A tiny element builder. Everything the server or the model says goes in as text nodes, never as HTML:
 * there is no innerHTML anywhere in the client, so a tool result or a thread title cannot inject markup
 * (and the CSP forbids inline script even if one did).
 */
import { ApiError } from './api.ts'
import { sentence } from './format.ts'

export type Child = Node | string | number | false | null | undefined
type Handler = (event: Event) => void
export type Attrs = Readonly<Record<string, string | boolean | Handler | undefined>>

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: readonly Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, '').toLowerCase(), value)
    else el.setAttribute(key, value === true ? '' : value)
  }
  append(el, ...children)
  return el
}

export function append(parent: Node, ...children: readonly Child[]): void {
  for (const c of children) {
    if (c === false || c === null || c === undefined) continue
    parent.appendChild(
      typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c,
    )
  }
}

/** Replaces an element's children. */
export function mount(parent: Element, ...children: readonly Child[]): void {
  parent.replaceChildren()
  append(parent, ...children)
}

/** Reads a named form control's value as a trimmed string. */
export function field(form: HTMLFormElement, name: string): string {
  const v = new FormData(form).get(name)
  return typeof v === 'string' ? v.trim() : ''
}

/** Announces a message to screen readers only (a polite live region); what people read sits inline. */
export function announce(message: string): void {
  const live = document.getElementById('status')
  if (live) live.textContent = message
}

const HOLDERS = 'form, section, article, dialog, .card, .msg'

/**
 * Shows a message inside the nearest form, card or section around `anchor` (replacing the previous one
 * there); errors are role=alert, the rest role=status, so screen readers hear them where they happen.
 */
export function note(anchor: Element, message: string, kind: 'info' | 'error' = 'info', detail?: string) {
  const holder = anchor.closest(HOLDERS) ?? anchor.parentElement ?? anchor
  let el = holder.querySelector(':scope > .note')
  if (!el) {
    el = h('div', { class: 'note' })
    holder.append(el)
  }
  el.className = `note ${kind}`
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status')
  el.replaceChildren(h('p', {}, message))
  if (detail) el.append(h('p', { class: 'code mono' }, detail))
}

/** Messages belong to the view they were shown in: a view change clears them. */
export function clearNotes(root: ParentNode = document): void {
  for (const n of root.querySelectorAll('.note')) n.remove()
}

/** An error in a sentence for people, with the machine's code and words kept in a details line. */
export function explain(e: unknown): { text: string; detail?: string } {
  if (e instanceof ApiError) {
    // A validation message names the field ("secret: not a valid Stellar secret seed"): say which.
    const field = e.code === 'ERR_VALIDATION' ? /^(\w+): (.+)$/.exec(e.message) : null
    const text = field ? `Check the ${field[1]}: ${field[2]}.` : (sentence(e.code) ?? e.message)
    return { text, detail: `${e.code}: ${e.message}` }
  }
  if (e instanceof Error && e.name === 'NotAllowedError')
    return { text: 'The passkey prompt was closed or timed out.', detail: e.name }
  return { text: e instanceof Error ? e.message : 'Something went wrong.' }
}

/** Runs an async action with its button disabled; a failure is shown next to that button. */
export async function busy(button: HTMLButtonElement | null, action: () => Promise<void>): Promise<void> {
  if (button) button.disabled = true
  try {
    await action()
  } catch (e) {
    const { text, detail } = explain(e)
    if (button) note(button, text, 'error', detail)
    announce(text)
  } finally {
    if (button && button.dataset.final !== 'true') button.disabled = false
  }
}
