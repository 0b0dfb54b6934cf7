/** utilities (read-only, public): network status and fee statistics. */
import { z } from 'zod'
import { defineTool, ok } from '../define-tool.ts'

const Input = z
  .object({ action: z.enum(['network_status', 'fee_stats']).describe('What to look up') })
  .strict()

export const utilities = defineTool({
  name: 'utilities',
  description:
    'Stellar network utilities: network status (latest ledger, versions) and current fee statistics.',
  input: Input,
  access: 'public',
  movesMoney: false,
  async execute(input, ctx) {
    if (input.action === 'fee_stats') {
      const s = await ctx.horizon.feeStats()
      return ok({
        lastLedger: s.last_ledger,
        baseFeeStroops: s.last_ledger_base_fee,
        p50Stroops: s.fee_charged.p50,
        p90Stroops: s.fee_charged.p90 ?? null,
        capacityUsage: s.ledger_capacity_usage ?? null,
      })
    }
    const root = await ctx.horizon.root()
    return ok({
      network: ctx.network.name,
      passphraseMatches: root.network_passphrase === ctx.network.passphrase,
      latestLedger: root.history_latest_ledger ?? root.core_latest_ledger ?? null,
      protocolVersion: root.current_protocol_version ?? null,
      horizonVersion: root.horizon_version ?? null,
    })
  },
})
