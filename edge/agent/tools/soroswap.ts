/**
 * soroswap: quotes and exact-in swaps through the Soroswap router (edge/defi/soroswap/client.ts: the pair
 * through the factory, `router_get_amounts_out`, `swap_exact_tokens_for_tokens` with amount_out_min and a
 * deadline). The agent's bound is tighter than the encoder's: a slippage above MAX_SLIPPAGE_BPS (5 %) is
 * refused (ERR_DEFI_SLIPPAGE) before anything is built, so a prompt-injected "slippage 50 %" never becomes a
 * transaction that fills at any price. Tokens and the router come from the network's deployments only.
 */
import { z } from 'zod'
import { AmountSchema } from '../../../shared/schemas/money.ts'
import { defiDeployments, resolveToken } from '../../defi/deployments.ts'
import { decimalToFixed, fixedToDecimal } from '../../defi/fixed-math.ts'
import { prepareSoroswapSwap, routerQuote } from '../../defi/soroswap/client.ts'
import { resolveAccount } from '../accounts.ts'
import { defiDeps, slippageBps } from '../defi-input.ts'
import { defineTool, fail, ok } from '../define-tool.ts'
import { submitContractCall } from '../money.ts'

/** 5 %: the most the agent may accept; wider is refused, not signed. */
export const MAX_SLIPPAGE_BPS = 500

const Input = z
  .object({
    action: z.enum(['quote', 'swap']).describe('quote: price only, nothing signed; swap: exact-in swap'),
    account: z
      .string()
      .max(80)
      .nullable()
      .describe('Account that swaps (id, public key or name); null for your only account'),
    token_in: z.string().min(1).max(56).describe('Token sold, by code ("XLM", "USDC")'),
    token_out: z.string().min(1).max(56).describe('Token bought, by code'),
    amount: AmountSchema.describe('Exact amount of token_in to sell, decimal string'),
    max_slippage_percent: z
      .string()
      .max(12)
      .nullable()
      .describe('Most the price may move against you, percent (default "0.5", at most "5")'),
  })
  .strict()

export const soroswap = defineTool({
  name: 'soroswap',
  description:
    'Swap tokens on Soroswap (Soroban AMM): quote, or an exact-in swap with a slippage bound (at most 5 %) and a 5-minute deadline.',
  input: Input,
  access: 'user',
  movesMoney: (i) => i.action === 'swap',
  timeoutMs: 60_000,
  async execute(input, ctx) {
    const deployed = defiDeployments(ctx.network)
    if (!deployed.soroswap) return fail('ERR_NETWORK_UNSUPPORTED', 'Soroswap is not deployed on this network')
    const tin = resolveToken(deployed, input.token_in)
    const tout = resolveToken(deployed, input.token_out)
    if (!tin || !tout)
      return fail('ERR_DEFI_UNKNOWN_TOKEN', `unknown token: ${tin ? input.token_out : input.token_in}`)
    if (tin.id === tout.id) return fail('ERR_TOOL_INPUT', 'a swap needs two different tokens')
    const amountIn = decimalToFixed(input.amount, tin.decimals)
    if (amountIn === undefined || amountIn <= 0n)
      return fail('ERR_TOOL_INPUT', `amount must be positive with at most ${tin.decimals} decimals`)
    const bps = slippageBps(input.max_slippage_percent, MAX_SLIPPAGE_BPS)
    if (!bps.ok) return fail(bps.error.code, bps.error.message)
    const deps = defiDeps(ctx)

    if (input.action === 'quote') {
      const q = await routerQuote(deps, amountIn, [tin.id, tout.id])
      if (!q.ok) return fail(q.error.code, q.error.message)
      const out = q.value[q.value.length - 1] ?? 0n
      return ok({
        sell: { token: tin.symbol, amount: input.amount },
        buy: { token: tout.symbol, amount: fixedToDecimal(out, tout.decimals) },
        price: `${fixedToDecimal((out * 10n ** BigInt(tin.decimals)) / amountIn, tout.decimals)} ${tout.symbol} per ${tin.symbol}`,
        source: 'Soroswap router (router_get_amounts_out)',
      })
    }

    const account = resolveAccount(ctx, input.account)
    const prepared = await prepareSoroswapSwap(deps, {
      user: account.publicKey,
      tokenIn: tin.id,
      tokenOut: tout.id,
      amountIn,
      slippageBps: bps.value,
    })
    if (!prepared.ok) return fail(prepared.error.code, prepared.error.message)
    const p = prepared.value
    const min = fixedToDecimal(p.amountOutMin, tout.decimals)
    const quote = fixedToDecimal(p.quote, tout.decimals)
    const words = `Swap ${input.amount} ${tin.symbol} for at least ${min} ${tout.symbol} on Soroswap (quote ${quote}, slippage ${fixedToDecimal(BigInt(bps.value), 2)} %, deadline ${new Date(Number(p.deadline) * 1000).toISOString()})`
    return submitContractCall(ctx, {
      account,
      operation: p.operation,
      description: words,
      intent: {
        text: words,
        leaves: [{ token: tin.id, label: tin.symbol, decimals: tin.decimals, amount: amountIn.toString() }],
        into: { kind: 'soroswap_router', id: deployed.soroswap.router, name: 'Soroswap router' },
        returns: [
          {
            token: tout.id,
            label: tout.symbol,
            decimals: tout.decimals,
            amount: p.amountOutMin.toString(),
            bound: 'at_least',
          },
        ],
      },
    })
  },
})
