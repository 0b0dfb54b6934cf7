/**
 * defindex: DeFindex vaults (paltalabs/defindex `vault` and `factory`). Vaults come from the network's
 * factory (`total_vaults`, `get_vault_by_index`), never from the model; each vault's assets and strategies
 * (`get_assets`), share price (`get_asset_amounts_per_shares`), and the caller's shares (`balance`).
 * Money: deposit(amounts_desired, amounts_min, from, invest) and withdraw(withdraw_shares, min_amounts_out,
 * from), with explicit minimums so a vault whose share price moved fails on chain instead of paying less.
 * The APY needs the share price at two times; one read cannot give it, so it is reported as not available
 * rather than invented. Reads use simulation (edge/defi/contract-reader.ts); nothing here is signed but the
 * money actions, which go through the one money path with a declared intent.
 * Note: w15b's DeFindex client (edge/defi/defindex/) was not there when this was written; these reads are
 * the few it needs and move there when it lands.
 */
import { Contract, scValToNative } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import { fail as failed, ok as okResult, type Result } from '../../../shared/result.ts'
import { AmountSchema } from '../../../shared/schemas/money.ts'
import { readCall } from '../../defi/contract-reader.ts'
import { defiDeployments, resolveToken } from '../../defi/deployments.ts'
import { decimalToFixed, fixedToDecimal } from '../../defi/fixed-math.ts'
import { address, bool, i128, u32, vec } from '../../defi/scval.ts'
import { tokenBalance } from '../../defi/token.ts'
import { resolveAccount } from '../accounts.ts'
import { defineTool, fail, ok, type ToolContext } from '../define-tool.ts'
import { submitContractCall } from '../money.ts'
import { slippagePpb } from '../quote.ts'

/** dfTokens (vault shares) carry 7 decimals; prices are quoted per whole share. */
const SHARE_DECIMALS = 7
const ONE_SHARE = 10n ** BigInt(SHARE_DECIMALS)
const PPB = 1_000_000_000n
const MAX_VAULTS = 20
const MAX_SLIPPAGE_PPB = 50_000_000n

const Input = z
  .object({
    action: z
      .enum(['vaults', 'position', 'deposit', 'withdraw'])
      .describe(
        'vaults: list with assets, strategies and share price; position: your shares; deposit; withdraw',
      ),
    account: z
      .string()
      .max(80)
      .nullable()
      .describe('Your account (id, public key or name); null for your only one'),
    vault: z.string().max(60).nullable().describe('Vault name or id (deposit, withdraw, position)'),
    amount: AmountSchema.nullable().describe(
      'Amount of the vault asset to deposit or to receive on withdraw',
    ),
    max_slippage_percent: z
      .string()
      .max(12)
      .nullable()
      .describe('Withdraw: most the amount received may fall short, percent (default "0.5", at most "5")'),
  })
  .strict()

type Vault = {
  readonly id: string
  readonly name: string
  readonly assets: readonly { readonly token: string; readonly strategies: readonly string[] }[]
  readonly totalShares: bigint
  /** Underlying base units per asset for one whole share. */
  readonly perShare: readonly bigint[]
}

const AssetsSchema = z.array(
  z.object({
    address: z.string(),
    strategies: z.array(z.object({ name: z.string(), address: z.string(), paused: z.boolean() })),
  }),
)
const BigintsSchema = z.array(z.bigint())

async function read(
  ctx: ToolContext,
  contract: string,
  fn: string,
  args: Parameters<typeof readCall>[4] = [],
) {
  return scValToNative(await readCall(ctx.soroban, ctx.network.passphrase, contract, fn, args))
}

export async function listVaults(ctx: ToolContext): Promise<Vault[]> {
  const factory = defiDeployments(ctx.network.name).defindex?.factory
  if (!factory) return []
  const total = z
    .number()
    .int()
    .min(0)
    .parse(await read(ctx, factory, 'total_vaults'))
  const ids = await Promise.all(
    Array.from({ length: Math.min(total, MAX_VAULTS) }, async (_, i) =>
      z.string().parse(await read(ctx, factory, 'get_vault_by_index', [u32(i)])),
    ),
  )
  return Promise.all(
    ids.map(async (id) => {
      const [name, assets, totalShares, perShare] = await Promise.all([
        read(ctx, id, 'name'),
        read(ctx, id, 'get_assets'),
        read(ctx, id, 'total_supply'),
        read(ctx, id, 'get_asset_amounts_per_shares', [i128(ONE_SHARE)]),
      ])
      return {
        id,
        name: z.string().parse(name),
        assets: AssetsSchema.parse(assets).map((a) => ({
          token: a.address,
          strategies: a.strategies.map((s) => `${s.name}${s.paused ? ' (paused)' : ''}`),
        })),
        totalShares: z.bigint().parse(totalShares),
        perShare: BigintsSchema.parse(perShare),
      }
    }),
  )
}

/** Pure: shares to burn for `want` underlying and the floor on what comes back, or the coded refusal. */
export function planWithdraw(p: {
  readonly want: bigint
  readonly perShare: bigint
  readonly shares: bigint
  readonly slippagePpb: bigint
}): Result<{ readonly burn: bigint; readonly minOut: bigint }> {
  if (p.slippagePpb > MAX_SLIPPAGE_PPB)
    return failed('ERR_DEFI_SLIPPAGE', 'a slippage bound above 5 % is refused; choose 5 or less')
  if (p.perShare <= 0n) return failed('ERR_DEFI_UNKNOWN_VAULT', 'the vault has no share price yet')
  const burn = (p.want * ONE_SHARE + p.perShare - 1n) / p.perShare
  if (burn > p.shares)
    return failed('ERR_DEFI_INSUFFICIENT_BALANCE', 'you hold fewer vault shares than this needs')
  const minOut = (p.want * (PPB - p.slippagePpb)) / PPB
  return okResult({ burn, minOut })
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
    const deployed = defiDeployments(ctx.network.name)
    const vaults = await listVaults(ctx)
    const label = (token: string) =>
      resolveToken(deployed, token) ?? { symbol: token, id: token, decimals: 7 }
    if (input.action === 'vaults') {
      return ok({
        vaults: vaults.map((v) => ({
          vault: v.name,
          vaultId: v.id,
          assets: v.assets.map((a, i) => ({
            asset: label(a.token).symbol,
            strategies: a.strategies,
            perShare: fixedToDecimal(v.perShare[i] ?? 0n, label(a.token).decimals),
          })),
          totalShares: fixedToDecimal(v.totalShares, SHARE_DECIMALS),
          apy: null,
          apyNote: 'not available: needs the share price at two times, and only the current one is read',
        })),
      })
    }
    const want = input.vault?.trim().toLowerCase()
    const vault = vaults.find((v) => v.id.toLowerCase() === want || v.name.toLowerCase() === want)
    if (!vault)
      return fail('ERR_DEFI_UNKNOWN_VAULT', `no known DeFindex vault is called ${input.vault ?? '(none)'}`)
    const account = resolveAccount(ctx, input.account)
    const shares = z.bigint().parse(await read(ctx, vault.id, 'balance', [address(account.publicKey)]))
    const [asset, ...more] = vault.assets
    if (!asset || more.length > 0)
      return fail('ERR_TOOL_INPUT', 'only single-asset vaults are supported for deposits and withdrawals')
    const token = label(asset.token)
    const perShare = vault.perShare[0] ?? 0n
    if (input.action === 'position') {
      return ok({
        vault: vault.name,
        shares: fixedToDecimal(shares, SHARE_DECIMALS),
        value: `${fixedToDecimal((shares * perShare) / ONE_SHARE, token.decimals)} ${token.symbol}`,
      })
    }
    if (input.amount === null) return fail('ERR_TOOL_INPUT', `${input.action} needs an amount`)
    const amount = decimalToFixed(input.amount, token.decimals)
    if (amount === undefined || amount <= 0n)
      return fail('ERR_TOOL_INPUT', `amount must be positive with at most ${token.decimals} decimals`)
    const into = { kind: 'defindex_vault', id: vault.id, name: vault.name }
    const sharesOut = (v: bigint) => ({
      token: vault.id,
      label: `${vault.name} shares`,
      decimals: SHARE_DECIMALS,
      amount: v.toString(),
    })
    const underlying = (v: bigint) => ({
      token: token.id,
      label: token.symbol,
      decimals: token.decimals,
      amount: v.toString(),
    })
    if (input.action === 'deposit') {
      const balance = await tokenBalance(ctx.soroban, ctx.network.passphrase, token.id, account.publicKey)
      if (amount > balance)
        return fail('ERR_DEFI_INSUFFICIENT_BALANCE', `the account holds less ${token.symbol} than that`)
      const estimate = perShare > 0n ? (amount * ONE_SHARE) / perShare : amount
      const who = address(account.publicKey)
      // A single-asset vault takes exactly the desired amount, so the minimum is the amount itself.
      const operation = new Contract(vault.id).call(
        'deposit',
        vec([i128(amount)]),
        vec([i128(amount)]),
        who,
        bool(true),
      )
      const words = `Deposit ${input.amount} ${token.symbol} into DeFindex vault ${vault.name}`
      return submitContractCall(ctx, {
        account,
        operation,
        description: words,
        intent: {
          text: words,
          leaves: [underlying(amount)],
          into,
          returns: [{ ...sharesOut(estimate), bound: 'estimate' }],
        },
      })
    }
    const ppb = slippagePpb(input.max_slippage_percent ?? '0.5')
    if (typeof ppb === 'string') return fail('ERR_TOOL_INPUT', ppb)
    const plan = planWithdraw({ want: amount, perShare, shares, slippagePpb: ppb })
    if (!plan.ok) return fail(plan.error.code, plan.error.message)
    const operation = new Contract(vault.id).call(
      'withdraw',
      i128(plan.value.burn),
      vec([i128(plan.value.minOut)]),
      address(account.publicKey),
    )
    const min = fixedToDecimal(plan.value.minOut, token.decimals)
    const words = `Withdraw about ${input.amount} ${token.symbol} (at least ${min}) from DeFindex vault ${vault.name}`
    return submitContractCall(ctx, {
      account,
      operation,
      description: words,
      intent: {
        text: words,
        leaves: [],
        into,
        returns: [{ ...underlying(plan.value.minOut), bound: 'at_least' }],
      },
    })
  },
})
