/**
 * soroswap: quotes and exact-in swaps through the Soroswap router (soroswap/core `router`):
 *   router_get_amounts_out(amount_in: i128, path: Vec<Address>) -> Vec<i128>
 *   swap_exact_tokens_for_tokens(amount_in, amount_out_min: i128, path, to: Address, deadline: u64) -> Vec<i128>
 * A swap always carries an explicit bound: amount_out_min = quote × (1 − slippage), slippage at most
 * MAX_SLIPPAGE_PPB, and a deadline a few minutes out, so a moved pool or a stale transaction fails on chain
 * instead of filling at any price. Tokens and the router come only from the registry, never from the model.
 */
import { Contract, scValToNative } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import type { NetworkConfig } from '../../../shared/network.ts'
import { fail as failed, ok as okResult, type Result } from '../../../shared/result.ts'
import { AmountSchema } from '../../../shared/schemas/money.ts'
import { type ContractReader, readCall } from '../../defi/contract-reader.ts'
import { defiDeployments, resolveToken } from '../../defi/deployments.ts'
import { decimalToFixed, fixedToDecimal } from '../../defi/fixed-math.ts'
import { address, i128, u64, vec } from '../../defi/scval.ts'
import { tokenBalance } from '../../defi/token.ts'
import { resolveAccount } from '../accounts.ts'
import { defineTool, fail, ok } from '../define-tool.ts'
import { submitContractCall } from '../money.ts'
import { slippagePpb } from '../quote.ts'

/** 5 %: a wider bound is refused (ERR_DEFI_SLIPPAGE) rather than signed. */
export const MAX_SLIPPAGE_PPB = 50_000_000n
const PPB = 1_000_000_000n
export const DEFAULT_DEADLINE_SECONDS = 300
const MAX_DEADLINE_SECONDS = 3_600

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
    deadline_seconds: z
      .number()
      .int()
      .min(30)
      .max(MAX_DEADLINE_SECONDS)
      .nullable()
      .describe('Seconds until the swap expires on chain (default 300)'),
  })
  .strict()

export type SwapPlan = {
  readonly amountIn: bigint
  readonly quotedOut: bigint
  readonly amountOutMin: bigint
  readonly deadline: bigint
}

/** Pure: the bound and deadline of an exact-in swap, or the coded refusal. */
export function planSwap(p: {
  readonly amountIn: bigint
  readonly quotedOut: bigint
  readonly balance: bigint
  readonly slippagePpb: bigint
  readonly nowSeconds: bigint
  readonly deadlineSeconds: number
}): Result<SwapPlan> {
  if (p.slippagePpb > MAX_SLIPPAGE_PPB)
    return failed('ERR_DEFI_SLIPPAGE', 'a slippage bound above 5 % is refused; choose 5 or less')
  if (p.amountIn > p.balance)
    return failed('ERR_DEFI_INSUFFICIENT_BALANCE', 'the amount is more than the account holds')
  if (p.quotedOut <= 0n) return failed('ERR_DEFI_NO_ROUTE', 'the pool would return nothing for this amount')
  const amountOutMin = (p.quotedOut * (PPB - p.slippagePpb)) / PPB
  if (amountOutMin <= 0n) return failed('ERR_DEFI_SLIPPAGE', 'the bound rounds to zero; swap a larger amount')
  return okResult({
    amountIn: p.amountIn,
    quotedOut: p.quotedOut,
    amountOutMin,
    deadline: p.nowSeconds + BigInt(p.deadlineSeconds),
  })
}

/** The router's quote for an exact-in swap along `path`: the last amount of `router_get_amounts_out`. */
export async function quoteExactIn(
  rpc: ContractReader,
  network: NetworkConfig,
  router: string,
  amountIn: bigint,
  path: readonly string[],
): Promise<Result<bigint>> {
  let amounts: unknown
  try {
    amounts = scValToNative(
      await readCall(rpc, network.passphrase, router, 'router_get_amounts_out', [
        i128(amountIn),
        vec(path.map(address)),
      ]),
    )
  } catch {
    return failed('ERR_DEFI_NO_ROUTE', 'Soroswap has no pool for this pair (the quote failed)')
  }
  const last = Array.isArray(amounts) ? amounts[amounts.length - 1] : undefined
  return typeof last === 'bigint' ? okResult(last) : failed('ERR_DEFI_NO_ROUTE', 'Soroswap gave no quote')
}

export const soroswap = defineTool({
  name: 'soroswap',
  description:
    'Swap tokens on Soroswap (Soroban AMM): quote, or an exact-in swap with a slippage bound and a deadline.',
  input: Input,
  access: 'user',
  movesMoney: (i) => i.action === 'swap',
  timeoutMs: 60_000,
  async execute(input, ctx) {
    const deployed = defiDeployments(ctx.network.name)
    const router = deployed.soroswap?.router
    if (!router) return fail('ERR_DEFI_NO_ROUTE', 'Soroswap is not deployed on this network')
    const tin = resolveToken(deployed, input.token_in)
    const tout = resolveToken(deployed, input.token_out)
    if (!tin || !tout)
      return fail('ERR_DEFI_UNKNOWN_TOKEN', `unknown token: ${!tin ? input.token_in : input.token_out}`)
    if (tin.id === tout.id) return fail('ERR_TOOL_INPUT', 'a swap needs two different tokens')
    const amountIn = decimalToFixed(input.amount, tin.decimals)
    if (amountIn === undefined)
      return fail('ERR_TOOL_INPUT', `amount has more than ${tin.decimals} decimal places for ${tin.symbol}`)
    const ppb = slippagePpb(input.max_slippage_percent ?? '0.5')
    if (typeof ppb === 'string') return fail('ERR_TOOL_INPUT', ppb)
    const path = [tin.id, tout.id]
    const quoted = await quoteExactIn(ctx.soroban, ctx.network, router, amountIn, path)
    if (!quoted.ok) return fail(quoted.error.code, quoted.error.message)
    if (input.action === 'quote') {
      return ok({
        router,
        sell: { token: tin.symbol, amount: input.amount },
        buy: { token: tout.symbol, amount: fixedToDecimal(quoted.value, tout.decimals) },
        price: `${fixedToDecimal((quoted.value * 10n ** BigInt(tin.decimals)) / amountIn, tout.decimals)} ${tout.symbol} per ${tin.symbol}`,
      })
    }
    const account = resolveAccount(ctx, input.account)
    const balance = await tokenBalance(ctx.soroban, ctx.network.passphrase, tin.id, account.publicKey)
    const plan = planSwap({
      amountIn,
      quotedOut: quoted.value,
      balance,
      slippagePpb: ppb,
      nowSeconds: BigInt(Math.floor(ctx.now() / 1000)),
      deadlineSeconds: input.deadline_seconds ?? DEFAULT_DEADLINE_SECONDS,
    })
    if (!plan.ok) return fail(plan.error.code, plan.error.message)
    const p = plan.value
    const who = address(account.publicKey)
    const operation = new Contract(router).call(
      'swap_exact_tokens_for_tokens',
      i128(p.amountIn),
      i128(p.amountOutMin),
      vec(path.map(address)),
      who,
      u64(p.deadline),
    )
    const min = fixedToDecimal(p.amountOutMin, tout.decimals)
    return submitContractCall(ctx, {
      account,
      operation,
      description: `Swap ${input.amount} ${tin.symbol} for at least ${min} ${tout.symbol} on Soroswap (quote ${fixedToDecimal(p.quotedOut, tout.decimals)}, expires in ${input.deadline_seconds ?? DEFAULT_DEADLINE_SECONDS} s)`,
      intent: {
        text: `${input.amount} ${tin.symbol} leaves for the Soroswap router; at least ${min} ${tout.symbol} comes back`,
        leaves: [leave(tin, p.amountIn)],
        into: { kind: 'soroswap_router', id: router, name: 'Soroswap router' },
        returns: [{ ...leave(tout, p.amountOutMin), bound: 'at_least' }],
      },
    })
  },
})

type Token = { readonly symbol: string; readonly id: string; readonly decimals: number }

const leave = (t: Token, amount: bigint) => ({
  token: t.id,
  label: t.symbol,
  decimals: t.decimals,
  amount: amount.toString(),
})
