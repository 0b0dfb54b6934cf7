/**
 * defindex: DeFindex vaults through edge/defi/defindex/client.ts. Vaults come from the network's factory
 * (`total_vaults`, `get_vault_by_index`), never from the model: a vault id it did not deploy is
 * ERR_DEFI_UNKNOWN_VAULT. Reads: each vault's assets and strategies, share price and managed funds; the
 * caller's shares and what they are worth. Money: deposit (the minimum is the whole amount: a single-asset
 * vault takes exactly what it is given) and withdraw (minimum out = expected × (1 − slippage), slippage at
 * most 5 %), through the one money path with a declared intent. The APY comes from the share price over the
 * vault's event history (defindexVaultApy); with less than a day of it, the APY is reported as not available.
 */
import { z } from 'zod'
import { AmountSchema } from '../../../shared/schemas/money.ts'
import {
  defindexVault,
  defindexVaultApy,
  defindexVaultIds,
  prepareDefindexDeposit,
  prepareDefindexWithdraw,
  type VaultInfo,
  vaultShares,
} from '../../defi/defindex/client.ts'
import { amountsForShares } from '../../defi/defindex/vault.ts'
import { defiDeployments, resolveToken } from '../../defi/deployments.ts'
import { decimalToFixed, fixedToDecimal } from '../../defi/fixed-math.ts'
import { resolveAccount } from '../accounts.ts'
import { defiDeps, slippageBps } from '../defi-input.ts'
import { defineTool, fail, ok, type ToolContext } from '../define-tool.ts'
import { submitContractCall } from '../money.ts'

const SHARE_DECIMALS = 7
const MAX_SLIPPAGE_BPS = 500
const MAX_LISTED = 20

const Input = z
  .object({
    action: z
      .enum(['vaults', 'position', 'deposit', 'withdraw'])
      .describe(
        'vaults: assets, strategies, share price; position: your shares and their value; deposit; withdraw',
      ),
    account: z
      .string()
      .max(80)
      .nullable()
      .describe('Your account (id, public key or name); null for your only one'),
    vault: z.string().max(60).nullable().describe('Vault name or id (position, deposit, withdraw)'),
    amount: AmountSchema.nullable().describe(
      'Amount of the vault asset to deposit, or to receive on withdraw',
    ),
    max_slippage_percent: z
      .string()
      .max(12)
      .nullable()
      .describe('Withdraw: most the amount received may fall short, percent (default "0.5", at most "5")'),
  })
  .strict()

const tokenLabel = (ctx: ToolContext, id: string) =>
  resolveToken(defiDeployments(ctx.network), id) ?? { symbol: id, id, decimals: 7 }

function vaultView(ctx: ToolContext, v: VaultInfo, apy: { apy: bigint; since: bigint } | undefined) {
  return {
    vault: v.name,
    vaultId: v.id,
    assets: v.assets.map((a, i) => {
      const t = tokenLabel(ctx, a.address)
      return {
        asset: t.symbol,
        strategies: a.strategies.map((s) => `${s.name}${s.paused ? ' (paused)' : ''}`),
        managed: fixedToDecimal(v.totalManaged[i] ?? 0n, t.decimals),
        perShare: v.sharePrice[i] === undefined ? null : fixedToDecimal(v.sharePrice[i] ?? 0n, t.decimals),
      }
    }),
    totalShares: fixedToDecimal(v.totalSupply, SHARE_DECIMALS),
    // From the share price now against the oldest deposit/withdraw event the RPC holds; none under a day.
    apyPercent: apy ? fixedToDecimal(apy.apy, 5) : null,
    ...(apy
      ? { apySince: new Date(Number(apy.since) * 1000).toISOString() }
      : { apyNote: 'not available: less than a day of share-price history' }),
  }
}

export const defindex = defineTool({
  name: 'defindex',
  description:
    'DeFindex yield vaults: list vaults (assets, strategies, share price), your position, deposit, withdraw with a minimum.',
  input: Input,
  access: 'user',
  movesMoney: (i) => i.action === 'deposit' || i.action === 'withdraw',
  timeoutMs: 60_000,
  async execute(input, ctx) {
    const deps = defiDeps(ctx)
    const ids = await defindexVaultIds(deps)
    if (input.action === 'vaults') {
      const vaults = await Promise.all(ids.slice(0, MAX_LISTED).map((id) => defindexVault(deps, id)))
      const apys = await Promise.all(vaults.map((v) => defindexVaultApy(deps, v)))
      return ok({ vaults: vaults.map((v, i) => vaultView(ctx, v, apys[i])) })
    }
    if (input.vault === null) return fail('ERR_TOOL_INPUT', `${input.action} needs a vault (name or id)`)
    const want = input.vault.trim().toLowerCase()
    const all = await Promise.all(ids.slice(0, MAX_LISTED).map((id) => defindexVault(deps, id)))
    const vault = all.find((v) => v.id.toLowerCase() === want || v.name.toLowerCase() === want)
    if (!vault)
      return fail('ERR_DEFI_UNKNOWN_VAULT', `no DeFindex vault of this network is called ${input.vault}`)
    const account = resolveAccount(ctx, input.account)
    const [asset, ...more] = vault.assets
    if (!asset || more.length > 0) return fail('ERR_TOOL_INPUT', 'only single-asset vaults are supported')
    const token = tokenLabel(ctx, asset.address)

    if (input.action === 'position') {
      const shares = await vaultShares(deps, vault.id, account.publicKey)
      const worth =
        shares === 0n
          ? { ok: true as const, value: [0n] }
          : amountsForShares(shares, vault.totalSupply, vault.totalManaged)
      return ok({
        vault: vault.name,
        shares: fixedToDecimal(shares, SHARE_DECIMALS),
        value: worth.ok ? `${fixedToDecimal(worth.value[0] ?? 0n, token.decimals)} ${token.symbol}` : null,
      })
    }
    if (input.amount === null) return fail('ERR_TOOL_INPUT', `${input.action} needs an amount`)
    const amount = decimalToFixed(input.amount, token.decimals)
    if (amount === undefined || amount <= 0n)
      return fail('ERR_TOOL_INPUT', `amount must be positive with at most ${token.decimals} decimals`)
    const into = { kind: 'defindex_vault', id: vault.id, name: vault.name }
    const underlying = (v: bigint) => ({
      token: token.id,
      label: token.symbol,
      decimals: token.decimals,
      amount: v.toString(),
    })

    if (input.action === 'deposit') {
      const prepared = await prepareDefindexDeposit(deps, {
        vault: vault.id,
        user: account.publicKey,
        amount,
      })
      if (!prepared.ok) return fail(prepared.error.code, prepared.error.message)
      const shares = prepared.value.expected[0] ?? 0n
      const words = `Deposit ${input.amount} ${token.symbol} into DeFindex vault ${vault.name} for about ${fixedToDecimal(shares, SHARE_DECIMALS)} shares`
      return submitContractCall(ctx, {
        account,
        operation: prepared.value.operation,
        description: words,
        intent: {
          text: words,
          leaves: [underlying(amount)],
          into,
          returns: [
            {
              token: vault.id,
              label: `${vault.name} shares`,
              decimals: SHARE_DECIMALS,
              amount: shares.toString(),
              bound: 'estimate',
            },
          ],
        },
      })
    }

    const bps = slippageBps(input.max_slippage_percent, MAX_SLIPPAGE_BPS)
    if (!bps.ok) return fail(bps.error.code, bps.error.message)
    const managed = vault.totalManaged[0] ?? 0n
    if (managed <= 0n) return fail('ERR_DEFI_INSUFFICIENT_BALANCE', 'the vault holds nothing to withdraw')
    // Shares for `amount` underlying, rounded up so the user receives at least what they asked for.
    const shares = (amount * vault.totalSupply + managed - 1n) / managed
    const prepared = await prepareDefindexWithdraw(deps, {
      vault: vault.id,
      user: account.publicKey,
      shares,
      slippageBps: bps.value,
    })
    if (!prepared.ok) return fail(prepared.error.code, prepared.error.message)
    const min = prepared.value.minimums[0] ?? 0n
    const words = `Withdraw about ${input.amount} ${token.symbol} (at least ${fixedToDecimal(min, token.decimals)}) from DeFindex vault ${vault.name}, burning ${fixedToDecimal(shares, SHARE_DECIMALS)} shares`
    return submitContractCall(ctx, {
      account,
      operation: prepared.value.operation,
      description: words,
      intent: {
        text: words,
        // The shares leave (burned by the vault); the underlying comes back, at least `min`.
        leaves: [
          {
            token: vault.id,
            label: `${vault.name} shares`,
            decimals: SHARE_DECIMALS,
            amount: shares.toString(),
          },
        ],
        into,
        returns: [{ ...underlying(min), bound: 'at_least' }],
      },
    })
  },
})
