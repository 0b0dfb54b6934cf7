/**
 * A tiny element builder. Everything the server or the model says goes in as text nodes, never as HTML:
 * there is no innerHTML anywhere in the client, so a tool result or a thread title cannot inject markup
 * (and the CSP forbids inline script even if one did).
 */

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

/** Announces a message to screen readers and shows it in the status bar. */
export function announce(message: string, kind: 'info' | 'error' = 'info'): void {
  const bar = document.getElementById('status')
  if (!bar) return
  bar.className = `status ${kind}`
  bar.textContent = message
}

/** Runs an async action with its button disabled, reporting a failure in the status bar. */
export async function busy(button: HTMLButtonElement | null, action: () => Promise<void>): Promise<void> {
  if (button) button.disabled = true
  try {
    await action()
  } catch (e) {
    announce(e instanceof Error ? e.message : 'something went wrong', 'error')
  } finally {
    if (button) button.disabled = false
  }
}
