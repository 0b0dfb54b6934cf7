/**
 * blend: lending on Blend v2. Reads: the network's pools with each reserve's supply/borrow APR and APY from
 * the contract's own rate model (never from `b_rate`), and the caller's positions by reserve index in
 * underlying amounts. Money: supply, withdraw, supply/withdraw collateral, repay, borrow and claim, each a
 * pool `submit` (or `claim`) checked against the pool's state first (edge/defi/blend/client.ts: status,
 * disabled reserve, supply cap, utilisation, health factor, balance) and then sent through the one money
 * path with a declared intent: what leaves, into which pool, what comes back. Pools and tokens are looked up
 * by name among the network's known ones; an id the model invents is ERR_DEFI_UNKNOWN_POOL.
 */
import { z } from 'zod'
import { AmountSchema } from '../../../shared/schemas/money.ts'
import {
  blendPools,
  blendPositions,
  type DefiDeps,
  prepareBlendClaim,
  prepareBlendSubmit,
} from '../../defi/blend/client.ts'
import type { PoolRead } from '../../defi/blend/read.ts'
import type { RequestKind } from '../../defi/blend/requests.ts'
import { bTokenId, dTokenId } from '../../defi/blend/requests.ts'
import { type PositionView, reserveViews } from '../../defi/blend/views.ts'
import { defiDeployments, resolveToken } from '../../defi/deployments.ts'
import { decimalToFixed, fixedToDecimal } from '../../defi/fixed-math.ts'
import type { IntentAmount } from '../../money/types.ts'
import { resolveAccount } from '../accounts.ts'
import { defiDeps } from '../defi-input.ts'
import { defineTool, fail, ok, type ToolContext } from '../define-tool.ts'
import { submitContractCall } from '../money.ts'

const MONEY_ACTIONS = {
  supply: 'supply',
  withdraw: 'withdraw',
  supply_collateral: 'supplyCollateral',
  withdraw_collateral: 'withdrawCollateral',
  repay: 'repay',
  borrow: 'borrow',
} as const satisfies Record<string, RequestKind>
type MoneyAction = keyof typeof MONEY_ACTIONS

const Input = z
  .object({
    action: z
      .enum(['pools', 'positions', ...(Object.keys(MONEY_ACTIONS) as MoneyAction[]), 'claim'])
      .describe(
        'pools: reserves with supply/borrow APY; positions: what you supplied/borrowed; supply (earns, not collateral), ' +
          'supply_collateral, withdraw, withdraw_collateral, repay, borrow (needs your approval), claim (BLND emissions)',
      ),
    account: z
      .string()
      .max(80)
      .nullable()
      .describe('Your account (id, public key or name); null for your only one'),
    pool: z
      .string()
      .max(60)
      .nullable()
      .describe('Pool name or id; null lists every pool (pools/positions only)'),
    asset: z.string().max(56).nullable().describe('Reserve token by code ("USDC", "XLM"); filter for pools'),
    amount: AmountSchema.nullable().describe('Decimal amount of the asset, for money actions'),
  })
  .strict()
type In = z.infer<typeof Input>

/** A fraction with 7 decimals ("0.0950569") as a percent string ("9.50569"). */
const percent = (fraction: string) => fixedToDecimal(decimalToFixed(fraction, 7) ?? 0n, 5)

function symbolOf(ctx: ToolContext, tokenId: string): string {
  return resolveToken(defiDeployments(ctx.network), tokenId)?.symbol ?? tokenId
}

function findPool(pools: readonly PoolRead[], ref: string): PoolRead | undefined {
  const want = ref.trim().toLowerCase()
  return pools.find((p) => p.id.toLowerCase() === want || p.name.toLowerCase() === want)
}

function poolsView(ctx: ToolContext, pools: readonly PoolRead[], asset: string | undefined) {
  const rows = pools.flatMap((p) =>
    reserveViews(p)
      .filter((r) => asset === undefined || r.asset === asset)
      .map((r) => ({
        pool: p.name,
        poolId: p.id,
        poolStatus: p.config.status,
        asset: symbolOf(ctx, r.asset),
        reserveIndex: r.index,
        enabled: r.enabled,
        supplyApyPercent: percent(r.supplyApy),
        borrowApyPercent: percent(r.borrowApy),
        utilizationPercent: percent(r.utilization),
        totalSupplied: fixedToDecimal(r.totalSupplied, r.decimals),
        totalBorrowed: fixedToDecimal(r.totalBorrowed, r.decimals),
        supplyCap: fixedToDecimal(r.supplyCap, r.decimals),
        sortKey: decimalToFixed(r.supplyApy, 7) ?? 0n,
      })),
  )
  // Best supply yield first: "where is the best USDC yield?" reads the first row.
  rows.sort((a, b) => (a.sortKey === b.sortKey ? 0 : a.sortKey > b.sortKey ? -1 : 1))
  return rows.map(({ sortKey: _, ...r }) => r)
}

const positionView = (ctx: ToolContext, p: PositionView) => ({
  pool: p.poolName,
  poolId: p.poolId,
  asset: symbolOf(ctx, p.asset),
  reserveIndex: p.reserveIndex,
  kind: p.kind,
  amount: fixedToDecimal(p.amount, p.decimals),
  apyPercent: percent(p.apy),
})

export const blend = defineTool({
  name: 'blend',
  description:
    'Lend and borrow on Blend: list pools with real supply/borrow APYs, show your positions, supply, withdraw, ' +
    'use as collateral, repay, borrow, claim BLND. Every money action is checked against the pool and simulated first.',
  input: Input,
  access: 'user',
  movesMoney: (i) => i.action !== 'pools' && i.action !== 'positions',
  timeoutMs: 60_000,
  async execute(input, ctx) {
    const deps = defiDeps(ctx)
    const deployed = defiDeployments(ctx.network)
    const token = input.asset === null ? undefined : resolveToken(deployed, input.asset)
    if (input.asset !== null && !token) return fail('ERR_DEFI_UNKNOWN_TOKEN', `unknown token: ${input.asset}`)
    const pools = await blendPools(deps)
    const pool = input.pool === null ? undefined : findPool(pools, input.pool)
    if (input.pool !== null && !pool)
      return fail('ERR_DEFI_UNKNOWN_POOL', `no known Blend pool is called ${input.pool}`)
    const scope = pool ? [pool] : pools

    if (input.action === 'pools') return ok({ reserves: poolsView(ctx, scope, token?.id) })
    const account = resolveAccount(ctx, input.account)
    if (input.action === 'positions') {
      const rows = await blendPositions(deps, account.publicKey, scope)
      return ok({ account: account.publicKey, positions: rows.map((p) => positionView(ctx, p)) })
    }
    if (!pool) return fail('ERR_TOOL_INPUT', `${input.action} needs a pool (name or id)`)
    if (input.action === 'claim') return claim(ctx, deps, pool, account)
    return submit(ctx, deps, pool, account, input, input.action)
  },
})

async function submit(
  ctx: ToolContext,
  deps: DefiDeps,
  pool: PoolRead,
  account: ReturnType<typeof resolveAccount>,
  input: In,
  action: MoneyAction,
) {
  const deployed = defiDeployments(ctx.network)
  const token = input.asset === null ? undefined : resolveToken(deployed, input.asset)
  if (!token || input.amount === null) return fail('ERR_TOOL_INPUT', `${action} needs an asset and an amount`)
  const reserve = pool.reserves.find((r) => r.asset === token.id)
  if (!reserve) return fail('ERR_DEFI_UNKNOWN_TOKEN', `${pool.name} has no ${token.symbol} reserve`)
  const amount = decimalToFixed(input.amount, reserve.config.decimals)
  if (amount === undefined || amount <= 0n)
    return fail('ERR_TOOL_INPUT', `amount must be positive with at most ${reserve.config.decimals} decimals`)
  const kind = MONEY_ACTIONS[action]
  const prepared = await prepareBlendSubmit(deps, {
    poolId: pool.id,
    user: account.publicKey,
    requests: [{ kind, asset: token.id, amount }],
  })
  if (!prepared.ok) return fail(prepared.error.code, prepared.error.message)
  const { outcome, operation } = prepared.value
  const amountOf = (tokenId: string, v: bigint): IntentAmount => ({
    token: tokenId,
    label: symbolOf(ctx, tokenId),
    decimals: pool.reserves.find((r) => r.asset === tokenId)?.config.decimals ?? reserve.config.decimals,
    amount: v.toString(),
  })
  const leaves = [...outcome.spenderTransfers].map(([t, v]) => amountOf(t, v))
  const back = [...outcome.poolTransfers].map(([t, v]) => ({ ...amountOf(t, v), bound: 'exact' as const }))
  const words = describe(action, input.amount, token.symbol, pool.name)
  return submitContractCall(ctx, {
    account,
    operation,
    description: words,
    intent: {
      text: words,
      leaves,
      into: { kind: 'blend_pool', id: pool.id, name: pool.name },
      returns:
        back.length > 0
          ? back
          : [
              {
                ...amountOf(token.id, amount),
                label: `${token.symbol} position in ${pool.name}`,
                bound: 'estimate',
              },
            ],
    },
  })
}

function describe(action: MoneyAction, amount: string, symbol: string, pool: string): string {
  switch (action) {
    case 'supply':
      return `Supply ${amount} ${symbol} to Blend pool ${pool} (earns interest, not collateral)`
    case 'supply_collateral':
      return `Supply ${amount} ${symbol} to Blend pool ${pool} as collateral`
    case 'withdraw':
      return `Withdraw ${amount} ${symbol} from your supply in Blend pool ${pool}`
    case 'withdraw_collateral':
      return `Withdraw ${amount} ${symbol} of collateral from Blend pool ${pool}`
    case 'repay':
      return `Repay ${amount} ${symbol} of debt in Blend pool ${pool}`
    case 'borrow':
      return `Borrow ${amount} ${symbol} from Blend pool ${pool}`
  }
}

async function claim(
  ctx: ToolContext,
  deps: DefiDeps,
  pool: PoolRead,
  account: ReturnType<typeof resolveAccount>,
) {
  const rows = await blendPositions(deps, account.publicKey, [pool])
  const ids = [
    ...new Set(rows.map((p) => (p.kind === 'borrow' ? dTokenId(p.reserveIndex) : bTokenId(p.reserveIndex)))),
  ]
  if (ids.length === 0)
    return fail('ERR_DEFI_INSUFFICIENT_BALANCE', `you have no position in ${pool.name} to claim for`)
  const op = await prepareBlendClaim(deps, { poolId: pool.id, user: account.publicKey, reserveTokenIds: ids })
  if (!op.ok) return fail(op.error.code, op.error.message)
  const words = `Claim BLND emissions from Blend pool ${pool.name}`
  return submitContractCall(ctx, {
    account,
    operation: op.value,
    description: words,
    intent: {
      text: `${words}; nothing leaves the account`,
      leaves: [],
      into: { kind: 'blend_pool', id: pool.id, name: pool.name },
      returns: [],
    },
  })
}
