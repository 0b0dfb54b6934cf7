/**
 * Step one of the money path: build the transaction and simulate it before anyone signs. Classic
 * operations are simulated against live Horizon state (edge/stellar/simulate.ts); a contract call is
 * simulated and assembled by Soroban RPC (footprint, resource fee, authorization tree) and its preview is
 * read back from what will be signed (contract-preview.ts). A move that would fail stops here with a reason.
 */
import {
  Account,
  FeeBumpTransaction,
  type Transaction,
  TransactionBuilder,
  type xdr,
} from '@stellar/stellar-sdk/base'
import type { NetworkConfig } from '../../shared/network.ts'
import { fail, ok, type Result } from '../../shared/result.ts'
import { BASE_FEE_STROOPS, buildTransaction, TX_TIMEOUT_SECONDS } from '../stellar/build-tx.ts'
import { simulateClassic } from '../stellar/simulate.ts'
import { previewContractCall } from './contract-preview.ts'
import type { Services } from './services.ts'
import type { Intent, MoneyPreview, Prepared, Via } from './types.ts'

export type ClassicMove = {
  readonly source: string
  readonly operations: readonly xdr.Operation[]
  readonly memo?: string | null
}

export async function prepareClassic(
  svc: Services,
  network: NetworkConfig,
  move: ClassicMove,
): Promise<Result<Prepared>> {
  const account = await svc.horizon.account(move.source)
  if (!account)
    return fail('ERR_ACCOUNT_NOT_FOUND', `account ${move.source} is not funded on the network yet`)
  const tx = buildTransaction({
    source: account,
    operations: move.operations,
    passphrase: network.passphrase,
    feePerOp: await suggestedFee(svc),
    memo: move.memo ?? null,
  })
  const simulated = await simulateClassic(svc.horizon, tx)
  return simulated.ok ? ok({ tx, via: 'horizon', preview: simulated.value }) : simulated
}

export type ContractMove = {
  readonly source: string
  readonly operation: xdr.Operation
  /** What the tool says leaves and comes back; null for a raw contract call (the soroban tool). */
  readonly intent: Intent | null
}

export async function prepareContractCall(
  svc: Services,
  network: NetworkConfig,
  move: ContractMove,
): Promise<Result<Prepared>> {
  const onLedger = await svc.horizon.account(move.source)
  if (!onLedger)
    return fail('ERR_ACCOUNT_NOT_FOUND', `account ${move.source} is not funded on the network yet`)
  const tx = new TransactionBuilder(new Account(onLedger.account_id, onLedger.sequence), {
    fee: String(BASE_FEE_STROOPS),
    networkPassphrase: network.passphrase,
  })
    .addOperation(move.operation)
    .setTimeout(TX_TIMEOUT_SECONDS)
    .build()
  const prepared = await svc.soroban.prepare(tx)
  const preview = previewContractCall(prepared, move.intent)
  return preview.ok ? ok({ tx: prepared, via: 'soroban', preview: preview.value }) : preview
}

/** A transaction that calls a contract goes to Soroban RPC; anything else to Horizon. */
export function viaOf(tx: Transaction | FeeBumpTransaction): Via {
  const inner = tx instanceof FeeBumpTransaction ? tx.innerTransaction : tx
  return inner.operations.some((op) => op.type === 'invokeHostFunction') ? 'soroban' : 'horizon'
}

/** The preview of an already-built transaction (an approval being executed): re-simulated when classic. */
export async function previewExisting(
  svc: Services,
  tx: Transaction | FeeBumpTransaction,
): Promise<Result<MoneyPreview>> {
  if (viaOf(tx) === 'horizon') return simulateClassic(svc.horizon, tx)
  const inner = tx instanceof FeeBumpTransaction ? tx.innerTransaction : tx
  return previewContractCall(inner, null)
}

async function suggestedFee(svc: Services): Promise<number> {
  try {
    const stats = await svc.horizon.feeStats()
    const p50 = Number(stats.fee_charged.p50)
    // Bounded: a spiking fee market must not make the agent overpay by orders of magnitude.
    return Number.isFinite(p50) ? Math.min(Math.max(p50, BASE_FEE_STROOPS), 10_000) : BASE_FEE_STROOPS
  } catch {
    return BASE_FEE_STROOPS
  }
}
