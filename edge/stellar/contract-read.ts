/**
 * Reading a contract through simulation: a read-only call (balance, quote, vault share price) built on a
 * throwaway source, simulated by Soroban RPC, never signed or sent. Values come back as native JS with
 * bigints intact (i128 amounts never pass through a float or a string here).
 */
import {
  Account,
  Keypair,
  Operation,
  scValToNative,
  TransactionBuilder,
  type xdr,
} from '@stellar/stellar-sdk/base'
import type { NetworkConfig } from '../../shared/network.ts'
import { BASE_FEE_STROOPS, TX_TIMEOUT_SECONDS } from './build-tx.ts'
import type { SorobanRpc } from './soroban-rpc.ts'

/** Simulation needs a source account; nothing is signed, so a fixed throwaway key serves. */
export const READ_SOURCE = Keypair.fromRawEd25519Seed(new Uint8Array(32).fill(1)).publicKey()

export type ContractRead = {
  readonly contract: string
  readonly fn: string
  readonly args: readonly xdr.ScVal[]
  readonly source?: string
}

export function readTransaction(network: NetworkConfig, read: ContractRead) {
  return new TransactionBuilder(new Account(read.source ?? READ_SOURCE, '0'), {
    fee: String(BASE_FEE_STROOPS),
    networkPassphrase: network.passphrase,
  })
    .addOperation(
      Operation.invokeContractFunction({ contract: read.contract, function: read.fn, args: [...read.args] }),
    )
    .setTimeout(TX_TIMEOUT_SECONDS)
    .build()
}

/** The call's return value as native JS (bigint for integers, string for addresses, arrays, objects). */
export async function readContract(
  soroban: SorobanRpc,
  network: NetworkConfig,
  read: ContractRead,
): Promise<unknown> {
  const retval = await soroban.simulateRetval(readTransaction(network, read))
  return retval === undefined ? null : scValToNative(retval)
}
