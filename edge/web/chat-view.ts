/**
 * Chat: threads in a sidebar, the conversation, and a composer. A turn is POST /chat read as Server-Sent
 * Events: text streams into the assistant bubble as it is written, each tool call becomes a step, and an
 * approval request or an unsigned transaction (external-wallet mode) becomes a card the user acts on.
 * History always comes from the server (/api/threads/:id/messages); nothing is kept in storage.
 */
import type { ChatEvent } from '../../shared/schemas/chat-events.ts'
import type { MessageView, ThreadView } from '../../shared/schemas/threads.ts'
import { api, request } from './api.ts'
import { approvalFromEvent } from './approvals.ts'
import { announce, busy, field, h, mount } from './dom.ts'
import { readSse } from './sse.ts'
import { createStep, type StepView } from './steps.ts'
import { isUnsigned, walletCard } from './wallet.ts'

const EVENT_NAMES = new Set<string>([
  'agent_start',
  'iteration_start',
  'text_delta',
  'tool_call_start',
  'tool_result',
  'tool_error',
  'approval_required',
  'agent_complete',
  'error',
  'done',
])

/** Frames come from our own origin; the name is checked and the payload is read defensively below. */
const asEvent = (f: { event: string; data: unknown }): ChatEvent | undefined =>
  EVENT_NAMES.has(f.event) && typeof f.data === 'object' && f.data !== null ? (f as ChatEvent) : undefined

export function chatView(): HTMLElement {
  let threadId: string | undefined
  const threadList = h('ul', { class: 'threads', 'aria-label': 'Threads' })
  const log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation' })
  const input = h('textarea', {
    name: 'message',
    rows: '2',
    required: true,
    maxlength: '8000',
    placeholder: 'Ask about your accounts, or ask to send a payment…',
    'aria-label': 'Message',
  })
  const external = h('input', { type: 'checkbox', name: 'external' })
  const sendBtn = h('button', { type: 'submit', class: 'primary' }, 'Send')
  const composer = h(
    'form',
    { class: 'composer' },
    input,
    h('div', { class: 'row' }, h('label', { class: 'check' }, external, 'Sign in my own wallet'), sendBtn),
  )

  const scroll = () => {
    log.scrollTop = log.scrollHeight
  }
  const bubble = (role: 'user' | 'assistant', text = '') => {
    const el = h('div', { class: `msg ${role}` }, text)
    log.append(el)
    scroll()
    return el
  }

  async function loadThreads() {
    const { threads } = await api<{ threads: ThreadView[] }>('GET', '/api/threads')
    mount(
      threadList,
      ...threads.map((t) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: t.id === threadId ? 'thread current' : 'thread',
              'aria-current': t.id === threadId ? 'true' : undefined,
              onclick: () => void openThread(t.id),
            },
            t.title,
          ),
        ),
      ),
    )
  }

  async function openThread(id: string) {
    threadId = id
    const { messages } = await api<{ messages: MessageView[] }>(
      'GET',
      `/api/threads/${encodeURIComponent(id)}/messages`,
    )
    mount(log)
    renderHistory(messages)
    await loadThreads()
    input.focus()
  }

  function renderHistory(messages: readonly MessageView[]) {
    const steps = new Map<string, StepView>()
    for (const m of messages) {
      const c = m.content
      if (typeof c !== 'object' || c === null) continue
      const text = Reflect.get(c, 'content')
      if (m.role === 'user' && typeof text === 'string') bubble('user', text)
      if (m.role === 'assistant') {
        const calls: unknown = Reflect.get(c, 'tool_calls')
        if (Array.isArray(calls)) {
          for (const call of calls) {
            const fn: unknown = Reflect.get(call, 'function')
            if (typeof fn !== 'object' || fn === null) continue
            const step = createStep(String(Reflect.get(fn, 'name')), String(Reflect.get(fn, 'arguments')))
            steps.set(String(Reflect.get(call, 'id')), step)
            log.append(step.el)
          }
        }
        if (typeof text === 'string' && text !== '') bubble('assistant', text)
      }
      if (m.role === 'tool') {
        const step = steps.get(String(Reflect.get(c, 'tool_call_id')))
        if (step && typeof text === 'string') step.result(parseMaybe(text))
      }
    }
    scroll()
  }

  async function send(message: string, mode: 'agent' | 'external') {
    bubble('user', message)
    let answer: HTMLElement | undefined
    const steps = new Map<string, StepView>()
    const res = await request('POST', '/chat', {
      message,
      mode,
      ...(threadId ? { threadId } : {}),
    })
    if (!res.body) throw new Error('empty response')
    for await (const frame of readSse(res.body)) {
      const e = asEvent(frame)
      if (!e) continue
      switch (e.event) {
        case 'agent_start':
          threadId = e.data.threadId
          break
        case 'iteration_start':
          answer = undefined
          break
        case 'text_delta':
          answer ??= bubble('assistant')
          answer.append(e.data.delta)
          scroll()
          break
        case 'tool_call_start': {
          const step = createStep(e.data.name, e.data.arguments)
          steps.set(e.data.callId, step)
          log.append(step.el)
          scroll()
          break
        }
        case 'tool_result': {
          steps.get(e.data.callId)?.result(e.data.data, e.data.durationMs)
          if (isUnsigned(e.data.data)) log.append(walletCard(e.data.data))
          scroll()
          break
        }
        case 'tool_error':
          steps.get(e.data.callId)?.error(e.data.code, e.data.message, e.data.durationMs)
          break
        case 'approval_required':
          log.append(await approvalFromEvent(e.data))
          scroll()
          break
        case 'agent_complete':
          if (!answer && e.data.text) bubble('assistant', e.data.text)
          break
        case 'error':
          log.append(h('div', { class: 'msg error', role: 'alert' }, e.data.message))
          break
        case 'done':
          threadId = e.data.threadId
          break
      }
    }
  }

  composer.addEventListener('submit', (ev) => {
    ev.preventDefault()
    const message = field(composer, 'message')
    if (!message) return
    // Read the mode first and clear only the message: the wallet choice is the user's until they change it.
    const mode = external.checked ? 'external' : 'agent'
    input.value = ''
    void busy(sendBtn, async () => {
      await send(message, mode)
      await loadThreads().catch(() => {})
      announce('Answer complete.')
    })
  })
  // Enter sends, Shift+Enter makes a new line (the usual chat convention; the button stays for touch).
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault()
      composer.requestSubmit()
    }
  })

  const newChat = h('button', { type: 'button', class: 'new-chat' }, 'New chat')
  newChat.addEventListener('click', () => {
    threadId = undefined
    mount(log)
    void loadThreads()
    input.focus()
  })

  void loadThreads().catch((e: unknown) =>
    announce(e instanceof Error ? e.message : 'threads failed', 'error'),
  )
  return h(
    'div',
    { class: 'chat' },
    h('aside', { class: 'sidebar', 'aria-label': 'Chat threads' }, newChat, threadList),
    h('section', { class: 'conversation', 'aria-label': 'Chat' }, log, composer),
  )
}

function parseMaybe(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}
