/**
 * An account's DeFi positions for the positions route and the agent: Blend supply/collateral/borrow by
 * reserve index, converted to underlying at the reserve's current rate with its APY, and DeFindex vault
 * shares with what they redeem for. A protocol that cannot be read is reported as unavailable — its
 * positions are unknown, never shown as zero.
 */
import type { PositionsView } from '../../shared/schemas/defi.ts'
import { blendPositions, type DefiDeps } from './blend/client.ts'
import { defindexVault, defindexVaultApy, defindexVaultIds, vaultShares } from './defindex/client.ts'
import { amountsForShares } from './defindex/vault.ts'
import { defiDeployments, resolveToken } from './deployments.ts'
import { fixedToDecimal } from './fixed-math.ts'

export async function accountPositions(
  deps: DefiDeps,
  account: { readonly accountId: string; readonly publicKey: string },
): Promise<PositionsView> {
  const d = defiDeployments(deps.network)
  const symbolOf = (asset: string) => resolveToken(d, asset)?.symbol
  const unavailable: PositionsView['unavailable'] = []

  const blend = await blendPositions(deps, account.publicKey).then(
    (rows) =>
      rows.map((p) => {
        const symbol = symbolOf(p.asset)
        return {
          protocol: 'blend' as const,
          poolId: p.poolId,
          poolName: p.poolName,
          asset: p.asset,
          ...(symbol ? { symbol } : {}),
          reserveIndex: p.reserveIndex,
          kind: p.kind,
          amount: fixedToDecimal(p.amount, p.decimals),
          apy: p.apy,
        }
      }),
    () => {
      unavailable.push('blend')
      return []
    },
  )

  const vaults: PositionsView['defindex'] = []
  try {
    for (const id of await defindexVaultIds(deps)) {
      const shares = await vaultShares(deps, id, account.publicKey)
      if (shares === 0n) continue
      const info = await defindexVault(deps, id)
      const amounts = amountsForShares(shares, info.totalSupply, info.totalManaged)
      const apy = await defindexVaultApy(deps, info).catch(() => undefined)
      vaults.push({
        protocol: 'defindex',
        vault: id,
        name: info.name,
        shares: fixedToDecimal(shares, 7),
        amounts: info.assets.map((a, i) => {
          const t = resolveToken(d, a.address)
          const amount = amounts.ok ? (amounts.value[i] ?? 0n) : 0n
          return {
            asset: a.address,
            ...(t ? { symbol: t.symbol } : {}),
            amount: fixedToDecimal(amount, t?.decimals ?? 7),
          }
        }),
        ...(apy ? { apy: fixedToDecimal(apy.apy, 7) } : {}),
      })
    }
  } catch {
    unavailable.push('defindex')
  }
  return { accountId: account.accountId, publicKey: account.publicKey, blend, defindex: vaults, unavailable }
}
