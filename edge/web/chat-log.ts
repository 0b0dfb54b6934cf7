/**
 * The conversation log and a stored thread rendered into it. Each money step shows its real state, read
 * back from the server: a tool answer that asked for approval becomes the approval card (the signer's
 * record now, the thread's record of the step, the edge's preview from then), one that landed gets its
 * receipt, and an unsigned transaction its wallet card (sent with its receipt, or refused by the network,
 * as the thread recorded the user's own submission). Cards load in place (a slot), keeping the order.
 */
import type { MessageView, MoneyStep } from '../../shared/schemas/threads.ts'
import { h } from './dom.ts'
import { isUnsigned, num, prop, str } from './read.ts'
import { createStep, type StepView } from './steps.ts'
import { networkInfo } from './ui.ts'

/**
 * The cards of money steps are chunks of their own (scripts/build-web.ts): a chat that moves no money, and
 * the first screen, never fetch them.
 */
export const cards = {
  approvals: () => import('./approvals.ts'),
  receipt: () => import('./receipt.ts'),
  wallet: () => import('./wallet.ts'),
}

export type ConversationLog = ReturnType<typeof conversationLog>

export function conversationLog(el: HTMLElement) {
  const scroll = () => {
    el.scrollTop = el.scrollHeight
  }
  const bubble = (role: 'user' | 'assistant', text = '') => {
    const b = h('div', { class: `msg ${role}` }, text)
    el.append(b)
    scroll()
    return b
  }
  /** A slot keeps a card in conversation order while it loads; a card that cannot load says so there. */
  const slot = (fill: Promise<HTMLElement>) => {
    const s = h('div', { class: 'slot' })
    el.append(s)
    void fill
      .catch(() =>
        h(
          'p',
          { class: 'note error', role: 'alert' },
          'This part of the conversation did not load: reload the page.',
        ),
      )
      .then((card) => {
        s.replaceWith(card)
        scroll()
      })
  }
  /** What a landed transaction gets after its step: the receipt, with the network's explorer link. */
  const landed = (data: unknown) =>
    slot(
      Promise.all([cards.receipt(), networkInfo().catch(() => undefined)]).then(
        ([{ receipt, legsOf }, net]) =>
          receipt(
            legsOf(undefined, prop(data, 'preview')),
            { hash: str(data, 'hash') ?? '', ledger: num(data, 'ledger'), feeStroops: str(data, 'fee') },
            net,
          ),
      ),
    )
  return { el, scroll, bubble, slot, landed }
}

export function renderHistory(
  log: ConversationLog,
  threadId: string,
  messages: readonly MessageView[],
  moneySteps: ReadonlyMap<string, MoneyStep>,
): void {
  const { bubble, slot, landed } = log
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
          const fn = prop(call, 'function')
          if (typeof fn !== 'object' || fn === null) continue
          const step = createStep(String(Reflect.get(fn, 'name')), String(Reflect.get(fn, 'arguments')))
          steps.set(String(prop(call, 'id')), step)
          log.el.append(step.el)
        }
      }
      if (typeof text === 'string' && text !== '') bubble('assistant', text)
    }
    if (m.role === 'tool' && typeof text === 'string') {
      const callId = String(Reflect.get(c, 'tool_call_id'))
      const step = steps.get(callId)
      const r = parseMaybe(text)
      if (!step) continue
      // The stored tool answer is { ok, data } or { ok: false, code, message, details }.
      if (prop(r, 'ok') === false) {
        const code = str(r, 'code') ?? 'ERR_INTERNAL'
        step.error(code, str(r, 'message') ?? '')
        const details = prop(r, 'details')
        const money = moneySteps.get(callId)
        if (code === 'ERR_APPROVAL_REQUIRED')
          slot(
            cards.approvals().then(({ approvalFor }) =>
              approvalFor({
                approvalId: money?.approvalId ?? str(details, 'approvalId'),
                txHash: str(details, 'txHash'),
                message: str(r, 'message') ?? '',
                edgePreview: prop(details, 'preview'),
                step: money,
                onState: step.state,
              }),
            ),
          )
        continue
      }
      const data = prop(r, 'data') ?? r
      step.result(data)
      if (str(data, 'hash')) landed(data)
      else if (isUnsigned(data)) {
        const ctx = { threadId, callId, step: moneySteps.get(callId), onState: step.state }
        slot(cards.wallet().then(({ walletCard }) => walletCard(data, ctx)))
      }
    }
  }
  log.scroll()
}

function parseMaybe(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}
