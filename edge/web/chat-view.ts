/**
 * Chat: threads in a sidebar, the conversation, and a composer. A turn is POST /chat read as Server-Sent
 * Events: text streams into the assistant bubble as it is written, each tool call becomes a step, an
 * approval request becomes the approval card, a transaction that landed gets a receipt, and an unsigned
 * transaction (external-wallet mode) becomes the wallet card. History always comes from the server
 * (/api/threads/:id/messages, with each money step's real state); nothing is kept in storage. The view is
 * built once and kept while the user visits other tabs, so an open thread or a half-typed message survives.
 */
import type { ChatEvent } from '../../shared/schemas/chat-events.ts'
import type { MessageView, MoneyStep, ThreadView } from '../../shared/schemas/threads.ts'
import { api, request } from './api.ts'
import { cards, conversationLog, renderHistory } from './chat-log.ts'
import { announce, busy, clearNotes, explain, field, h, mount } from './dom.ts'
import { sentence } from './format.ts'
import { isUnsigned, str } from './read.ts'
import { readSse } from './sse.ts'
import { createStep, type StepView } from './steps.ts'

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

const EXAMPLES = [
  'What accounts do I have, and what do they hold?',
  'Create an account called Savings and fund it with test XLM',
  'Send 10 XLM from Savings to GABC…',
  'Show my recent payments',
]

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
    h('div', { class: 'row' }, h('label', { class: 'check' }, external, 'Sign with my own wallet'), sendBtn),
  )

  const chatLog = conversationLog(log)
  const { scroll, bubble, slot, landed } = chatLog
  const examples = () =>
    h(
      'div',
      { class: 'examples' },
      h('p', { class: 'muted' }, 'Try asking:'),
      h(
        'ul',
        { 'aria-label': 'Example prompts' },
        ...EXAMPLES.map((text) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'example',
                onclick: () => {
                  input.value = text
                  input.focus()
                },
              },
              text,
            ),
          ),
        ),
      ),
    )
  const clearLog = () => mount(log, examples())

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
    clearNotes(composer)
    const { messages, moneySteps } = await api<{ messages: MessageView[]; moneySteps?: MoneyStep[] }>(
      'GET',
      `/api/threads/${encodeURIComponent(id)}/messages`,
    )
    mount(log)
    renderHistory(chatLog, id, messages, new Map((moneySteps ?? []).map((s) => [s.callId, s])))
    if (messages.length === 0) clearLog()
    await loadThreads()
    input.focus()
  }

  async function send(message: string, mode: 'agent' | 'external') {
    log.querySelector('.examples')?.remove()
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
          if (str(e.data.data, 'hash')) landed(e.data.data)
          else if (isUnsigned(e.data.data)) {
            const tx = e.data.data
            const { callId } = e.data
            const ctx = { threadId, callId, onState: steps.get(callId)?.state }
            slot(cards.wallet().then(({ walletCard }) => walletCard(tx, ctx)))
          }
          scroll()
          break
        }
        case 'tool_error':
          steps.get(e.data.callId)?.error(e.data.code, e.data.message, e.data.durationMs)
          break
        case 'approval_required':
          slot(
            cards.approvals().then(({ approvalFor }) =>
              approvalFor({
                approvalId: e.data.approvalId,
                txHash: e.data.txHash,
                message: e.data.message,
                edgePreview: e.data.preview,
                onState: (s) => steps.get(e.data.callId)?.state(s),
              }),
            ),
          )
          break
        case 'agent_complete':
          if (!answer && e.data.text) bubble('assistant', e.data.text)
          break
        case 'error':
          log.append(
            h(
              'div',
              { class: 'msg error', role: 'alert' },
              h('p', {}, sentence(e.data.code) ?? e.data.message),
              h('p', { class: 'code mono' }, `${e.data.code}: ${e.data.message}`),
            ),
          )
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
    clearNotes(composer)
    clearLog()
    void loadThreads()
    input.focus()
  })

  clearLog()
  void loadThreads().catch((e: unknown) => {
    const { text } = explain(e)
    threadList.replaceChildren(h('li', { class: 'muted' }, `Threads unavailable: ${text}`))
  })
  return h(
    'div',
    { class: 'chat' },
    h('aside', { class: 'sidebar', 'aria-label': 'Chat threads' }, newChat, threadList),
    h('section', { class: 'conversation', 'aria-label': 'Chat' }, log, composer),
  )
}
