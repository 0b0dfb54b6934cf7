/**
 * The tools of one request. Signed-out callers get only the public, read-only ones (market data, network
 * utilities). Tests inject extra tools (a slow fake) through `extra`; production passes nothing.
 */
import type { AnyTool, ToolContext } from './define-tool.ts'
import { accountManager } from './tools/account-manager.ts'
import { blend } from './tools/blend.ts'
import { defindex } from './tools/defindex.ts'
import { marketData } from './tools/market-data.ts'
import { payments } from './tools/payments.ts'
import { soroban } from './tools/soroban.ts'
import { soroswap } from './tools/soroswap.ts'
import { trading } from './tools/trading.ts'
import { trustlines } from './tools/trustlines.ts'
import { utilities } from './tools/utilities.ts'

export const ALL_TOOLS: readonly AnyTool[] = [
  accountManager,
  payments,
  trading,
  trustlines,
  marketData,
  utilities,
  soroban,
  blend,
  defindex,
  soroswap,
]

export type Toolset = { readonly byName: ReadonlyMap<string, AnyTool>; readonly list: readonly AnyTool[] }

export function createTools(
  ctx: Pick<ToolContext, 'userId'>,
  opts: { extra?: readonly AnyTool[] } = {},
): Toolset {
  const signedIn = ctx.userId !== undefined
  const list = [...ALL_TOOLS, ...(opts.extra ?? [])].filter((t) => signedIn || t.access === 'public')
  return { list, byName: new Map(list.map((t) => [t.name, t])) }
}
