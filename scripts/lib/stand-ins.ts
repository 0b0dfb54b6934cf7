/**
 * Starts the protocol stand-ins in-process — Horizon, Soroban RPC and the scripted OpenAI-compatible model —
 * for `npm run dev:local` and for tests that want the whole set. Each listens on loopback only.
 */
import { type HorizonStandIn, startHorizon } from '../../test/support/horizon/server.ts'
import { defiDemoTurn } from '../../test/support/openai/defi-demo.ts'
import { type ScriptedModel, startScriptedModel } from '../../test/support/openai/server.ts'
import { standInProtocolContracts } from '../../test/support/soroban-rpc/defi/ids.ts'
import { type SorobanRpcStandIn, startSorobanRpc } from '../../test/support/soroban-rpc/server.ts'

export const LOCAL_PASSPHRASE = 'Tuxedo Local Network ; 2026'

export type StandIns = {
  readonly passphrase: string
  readonly horizon: HorizonStandIn
  readonly sorobanRpc: SorobanRpcStandIn
  readonly model: ScriptedModel
  /**
   * The network variables `scripts/dev.ts` gives the edge and the signer alike for the `custom` network,
   * PROTOCOL_CONTRACTS included, so both sides know the same DeFi contracts.
   */
  readonly networkVars: Record<string, string>
  stop(): Promise<void>
}

export type StandInPorts = {
  readonly horizon?: number
  readonly sorobanRpc?: number
  readonly model?: number
}

export async function startStandIns(
  ports: StandInPorts = {},
  passphrase = LOCAL_PASSPHRASE,
): Promise<StandIns> {
  const horizon = await startHorizon({ passphrase, ...(ports.horizon ? { port: ports.horizon } : {}) })
  const sorobanRpc = await startSorobanRpc({
    passphrase,
    horizon: horizon.ledger,
    ...(ports.sorobanRpc ? { port: ports.sorobanRpc } : {}),
  })
  // Unscripted conversations follow the DeFi demo rules ("where is the best USDC yield?", "put 100 USDC in
  // it", "swap 10 XLM to USDC"), so dev:local shows the money path without an LLM.
  const model = await startScriptedModel({
    ...(ports.model ? { port: ports.model } : {}),
    fallback: (req, key) =>
      defiDemoTurn(req) ?? {
        text: `Scripted model: nothing is scripted for ${key ? `conversation "${key}"` : 'this conversation'}. Try "where is the best USDC yield?".`,
      },
  })
  return {
    passphrase,
    horizon,
    sorobanRpc,
    model,
    networkVars: {
      STELLAR_NETWORK: 'custom',
      NETWORK_PASSPHRASE: passphrase,
      HORIZON_URL: horizon.url,
      SOROBAN_RPC_URL: sorobanRpc.url,
      FRIENDBOT_URL: horizon.friendbotUrl,
      PROTOCOL_CONTRACTS: JSON.stringify(standInProtocolContracts()),
    },
    async stop() {
      await Promise.allSettled([horizon.close(), sorobanRpc.close(), model.close()])
    },
  }
}
