/**
 * What the DeFi tools share: the protocol clients' dependencies from the tool context (the request's
 * Soroban RPC, the network, the clock in seconds) and the slippage input, a percent string turned into
 * basis points under the agent's ceiling (ERR_DEFI_SLIPPAGE above it: refused before anything is built).
 */
import { fail, ok, type Result } from '../../shared/result.ts'
import type { DefiDeps } from '../defi/blend/client.ts'
import { decimalToFixed } from '../defi/fixed-math.ts'
import type { ToolContext } from './define-tool.ts'

export const DEFAULT_SLIPPAGE_PERCENT = '0.5'

export const defiDeps = (ctx: Pick<ToolContext, 'soroban' | 'network' | 'now'>): DefiDeps => ({
  rpc: ctx.soroban,
  network: ctx.network,
  now: () => BigInt(Math.floor(ctx.now() / 1000)),
})

/** "0.5" → 50 bps; at most two decimals (a basis point); above `maxBps` → ERR_DEFI_SLIPPAGE. */
export function slippageBps(percent: string | null, maxBps: number): Result<number> {
  const p = percent ?? DEFAULT_SLIPPAGE_PERCENT
  const bps = decimalToFixed(p, 2)
  if (bps === undefined)
    return fail('ERR_TOOL_INPUT', 'max_slippage_percent must be a decimal such as "0.5" (at most 2 decimals)')
  if (bps > BigInt(maxBps))
    return fail(
      'ERR_DEFI_SLIPPAGE',
      `a slippage bound of ${p} % is above the ${maxBps / 100} % the agent accepts`,
    )
  return ok(Number(bps))
}
