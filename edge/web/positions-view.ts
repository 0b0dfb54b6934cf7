/**
 * The positions section of an account card: what the account has supplied, used as collateral or borrowed
 * on Blend (per pool and reserve, in the token's units, at the reserve's APY) and its DeFindex vault
 * shares. Everything is rendered as text; amounts are the edge's decimal strings grouped and trimmed by the
 * one amount helper (format.ts), and an APY fraction is shown as a percentage by moving the point (never
 * through a float).
 */
import type { BlendPosition, PositionsView } from '../../shared/schemas/defi.ts'
import { api } from './api.ts'
import { h, mount } from './dom.ts'
import { amount, short } from './format.ts'
import { percent } from './format-rate.ts'

const KIND_LABEL: Record<BlendPosition['kind'], string> = {
  supply: 'Supplied',
  collateral: 'Collateral',
  borrow: 'Borrowed',
}

function blendRow(p: BlendPosition): HTMLElement {
  return h(
    'tr',
    {},
    h('td', {}, `Blend · ${p.poolName}`),
    h('td', {}, KIND_LABEL[p.kind]),
    h('td', { class: 'num' }, h('strong', {}, amount(p.amount)), ` ${p.symbol ?? short(p.asset)}`),
    h('td', { class: 'num' }, percent(p.apy), p.kind === 'borrow' ? ' paid' : ' earned'),
  )
}

function render(view: PositionsView): HTMLElement[] {
  const rows = [
    ...view.blend.map(blendRow),
    ...view.defindex.map((v) =>
      h(
        'tr',
        {},
        h('td', {}, `DeFindex · ${v.name}`),
        h('td', {}, `${amount(v.shares)} shares`),
        h(
          'td',
          { class: 'num' },
          v.amounts.map((a) => `${amount(a.amount)} ${a.symbol ?? short(a.asset)}`).join(', '),
        ),
        v.apy ? h('td', { class: 'num' }, percent(v.apy), ' earned') : h('td', { class: 'num muted' }, '—'),
      ),
    ),
  ]
  const out: HTMLElement[] = []
  if (rows.length > 0) {
    out.push(
      h(
        'table',
        { class: 'positions' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, 'Where'), h('th', {}, 'What'), h('th', {}, 'Amount'), h('th', {}, 'APY')),
        ),
        h('tbody', {}, ...rows),
      ),
    )
  } else if (view.unavailable.length === 0) {
    out.push(h('p', { class: 'muted' }, 'No DeFi positions.'))
  }
  if (view.unavailable.length > 0)
    out.push(h('p', { class: 'muted' }, `Could not read ${view.unavailable.join(' and ')} right now.`))
  return out
}

/** A section that loads the account's positions when shown. */
export function positionsSection(accountId: string): HTMLElement {
  const body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading positions…'))
  const section = h(
    'section',
    { class: 'positions', 'data-positions': accountId },
    h('h4', {}, 'DeFi positions'),
    body,
  )
  api<PositionsView>('GET', `/api/accounts/${encodeURIComponent(accountId)}/positions`).then(
    (view) => mount(body, ...render(view)),
    () => mount(body, h('p', { class: 'muted' }, 'Positions unavailable right now.')),
  )
  return section
}
