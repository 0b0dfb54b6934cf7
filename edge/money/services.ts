/**
 * The request-scoped services: the signer client, Horizon and Soroban RPC, built once per request by the
 * `services()` middleware (edge/middleware/services.ts) and read from `c.var.services`. One construction
 * site means one place that decides which signer binding and which network a request talks to; a handler
 * cannot reach a different Horizon or an unverified signer by building its own.
 */
import type { Config } from '../config.ts'
import type { Env } from '../env.ts'
import { createSignerClient, type SignerCall } from '../signer-client/client.ts'
import { Horizon } from '../stellar/horizon.ts'
import { SorobanRpc } from '../stellar/soroban-rpc.ts'

export type Services = {
  readonly signer: SignerCall
  readonly horizon: Horizon
  readonly soroban: SorobanRpc
}

export function createServices(env: Env, config: Config): Services {
  return {
    signer: createSignerClient(env, config),
    horizon: new Horizon(config.network),
    soroban: new SorobanRpc(config.network),
  }
}
