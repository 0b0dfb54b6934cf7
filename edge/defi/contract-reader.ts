/**
 * What the protocol clients need from Soroban RPC, as an interface so a client is tested against the
 * stand-in through the real `SorobanRpc` (edge/stellar/soroban-rpc.ts) and nothing else: ledger entries by
 * key, the return value of a read-only call by simulation (nothing signed, nothing sent), and a contract's
 * recent events.
 */
import { Account, Address, Contract, TransactionBuilder, xdr } from '@stellar/stellar-sdk/base'
import { AppError } from '../../shared/errors.ts'
import type { ContractEventRecord, LedgerEntries } from '../stellar/soroban-rpc.ts'

export type ContractReader = {
  ledgerEntries(keys: readonly xdr.LedgerKey[]): Promise<LedgerEntries>
  simulateRetval(tx: ReturnType<TransactionBuilder['build']>): Promise<xdr.ScVal | undefined>
  contractEvents(contractId: string, topic: readonly xdr.ScVal[]): Promise<ContractEventRecord[]>
}

/** Simulation needs a source; a read-only call never signs, so any well-formed account id will do. */
const READ_SOURCE = 'GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF'

export async function readCall(
  rpc: ContractReader,
  passphrase: string,
  contractId: string,
  fn: string,
  args: readonly xdr.ScVal[],
): Promise<xdr.ScVal> {
  const tx = new TransactionBuilder(new Account(READ_SOURCE, '0'), {
    fee: '100',
    networkPassphrase: passphrase,
  })
    .addOperation(new Contract(contractId).call(fn, ...args))
    .setTimeout(30)
    .build()
  const v = await rpc.simulateRetval(tx)
  if (v === undefined) throw new AppError('ERR_UPSTREAM_UNAVAILABLE', `${fn} returned nothing in simulation`)
  return v
}

export function contractDataKey(
  contractId: string,
  key: xdr.ScVal,
  durability: 'persistent' | 'temporary' = 'persistent',
): xdr.LedgerKey {
  return xdr.LedgerKey.contractData(
    new xdr.LedgerKeyContractData({
      contract: new Address(contractId).toScAddress(),
      key,
      durability:
        durability === 'persistent'
          ? xdr.ContractDataDurability.persistent
          : xdr.ContractDataDurability.temporary,
    }),
  )
}

export const instanceKey = (contractId: string) =>
  contractDataKey(contractId, xdr.ScVal.scvLedgerKeyContractInstance())

/** The stored value of a contract-data entry, or undefined for any other entry. */
export function contractDataVal(e: xdr.LedgerEntryData): xdr.ScVal | undefined {
  return e.type === 'contractData' ? e.contractData.val : undefined
}

/** A contract instance's storage map (its `instance()` keys), or undefined. */
export function instanceStorage(e: xdr.LedgerEntryData): readonly xdr.ScMapEntry[] | undefined {
  const v = contractDataVal(e)
  if (v?.type !== 'scvContractInstance') return undefined
  return v.instance.storage ?? []
}
