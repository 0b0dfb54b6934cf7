/**
 * Soroban RPC through stellar-sdk's fetch-based `rpc.Server`: simulate, prepare (simulate + assemble), send
 * and poll. Every failure becomes an AppError with a message the caller may read; RPC detail goes to logs.
 */
import { scValToNative, type Transaction, TransactionBuilder, type xdr } from '@stellar/stellar-sdk/base'
import * as rpc from '@stellar/stellar-sdk/rpc'
import { AppError } from '../../shared/errors.ts'
import type { NetworkConfig } from '../../shared/network.ts'

const POLL_INTERVAL_MS = 300
const POLL_LIMIT_MS = 30_000
/** Per RPC call, like Horizon's: stellar-sdk's rpc.Server accepts a `timeout` option but does not apply it. */
const CALL_TIMEOUT_MS = 8_000

export type SorobanSendResult = {
  readonly hash: string
  readonly ledger: number
  readonly fee: string | null
  readonly returnValue: unknown
}

export type LedgerEntries = {
  readonly entries: readonly { readonly key: xdr.LedgerKey; readonly val: xdr.LedgerEntryData }[]
  readonly latestLedger: number
}

export type ContractEventRecord = {
  readonly ledger: number
  readonly ledgerClosedAt: string
  readonly value: xdr.ScVal
}

/** bigint-safe JSON for contract values (i128 balances do not fit a number). */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')
  if (Array.isArray(v)) return v.map(jsonSafe)
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), jsonSafe(x)]))
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]))
  return v
}

export class SorobanRpc {
  readonly #server: rpc.Server
  readonly #passphrase: string
  constructor(network: NetworkConfig) {
    this.#server = new rpc.Server(network.sorobanRpcUrl, {
      allowHttp: network.sorobanRpcUrl.startsWith('http:'),
    })
    this.#passphrase = network.passphrase
  }

  async health() {
    return this.#guard(async () => {
      const [health, latest] = await Promise.all([this.#server.getHealth(), this.#server.getLatestLedger()])
      return { status: health.status, latestLedger: latest.sequence, protocolVersion: latest.protocolVersion }
    })
  }

  /** Contract storage (and other entries) by key; entries that do not exist are simply absent. */
  async ledgerEntries(keys: readonly xdr.LedgerKey[]): Promise<LedgerEntries> {
    if (keys.length === 0) return { entries: [], latestLedger: 0 }
    const got = await this.#guard(() => this.#server.getLedgerEntries(...keys))
    return { entries: got.entries.map((e) => ({ key: e.key, val: e.val })), latestLedger: got.latestLedger }
  }

  /**
   * A contract's events with this exact topic, oldest first, over the RPC's retention window (about a week
   * on public RPCs): what a protocol client needs for history the ledger no longer holds.
   */
  async contractEvents(
    contractId: string,
    topic: readonly xdr.ScVal[],
    limit = 100,
  ): Promise<ContractEventRecord[]> {
    const { oldestLedger } = await this.#guard(() => this.#server.getHealth())
    const got = await this.#guard(() =>
      this.#server.getEvents({
        startLedger: oldestLedger,
        filters: [
          { type: 'contract', contractIds: [contractId], topics: [topic.map((t) => t.toXDR('base64'))] },
        ],
        limit,
      }),
    )
    return got.events.map((e) => ({ ledger: e.ledger, ledgerClosedAt: e.ledgerClosedAt, value: e.value }))
  }

  /** Read-only: the value a call would return, from simulation; nothing is signed or sent. */
  async simulateValue(tx: Transaction): Promise<unknown> {
    const retval = await this.simulateRetval(tx)
    return retval === undefined ? null : jsonSafe(scValToNative(retval))
  }

  /** Read-only: the raw ScVal a call would return (for protocol clients that parse it themselves). */
  async simulateRetval(tx: Transaction): Promise<xdr.ScVal | undefined> {
    const sim = await this.#guard(() => this.#server.simulateTransaction(tx))
    if (rpc.Api.isSimulationError(sim))
      throw new AppError(
        'ERR_TX_SIMULATION_FAILED',
        `the contract call failed in simulation: ${short(sim.error)}`,
      )
    return sim.result?.retval
  }

  /** Simulates, then assembles the footprint and resource fee into the transaction to be signed. */
  async prepare(tx: Transaction): Promise<Transaction> {
    try {
      return await withTimeout(this.#server.prepareTransaction(tx))
    } catch (e) {
      if (e instanceof AppError) throw e
      const msg = e instanceof Error ? e.message : String(e)
      if (/simulat|HostError|Error\(/i.test(msg))
        throw new AppError(
          'ERR_TX_SIMULATION_FAILED',
          `the contract call failed in simulation: ${short(msg)}`,
        )
      throw new AppError('ERR_UPSTREAM_UNAVAILABLE', 'Soroban RPC is unavailable', msg)
    }
  }

  async sendAndWait(signedXdr: string, signal: AbortSignal): Promise<SorobanSendResult> {
    const tx = TransactionBuilder.fromXDR(signedXdr, this.#passphrase)
    const sent = await this.#guard(() => this.#server.sendTransaction(tx))
    if (sent.status === 'ERROR' || sent.status === 'TRY_AGAIN_LATER') {
      throw new AppError('ERR_TX_SUBMIT_FAILED', `the network rejected the transaction (${sent.status})`)
    }
    const deadline = Date.now() + POLL_LIMIT_MS
    while (Date.now() < deadline && !signal.aborted) {
      const got = await this.#guard(() => this.#server.getTransaction(sent.hash))
      if (got.status === rpc.Api.GetTransactionStatus.SUCCESS) {
        return {
          hash: sent.hash,
          ledger: got.ledger,
          // The fee bid; the charged fee is in the result meta, which the stand-in does not model.
          fee: tx.fee,
          returnValue: got.returnValue ? jsonSafe(scValToNative(got.returnValue)) : null,
        }
      }
      if (got.status === rpc.Api.GetTransactionStatus.FAILED)
        throw new AppError('ERR_TX_SUBMIT_FAILED', `transaction ${sent.hash} failed on the network`)
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS))
    }
    throw new AppError('ERR_UPSTREAM_TIMEOUT', `transaction ${sent.hash} was sent but not confirmed in time`)
  }

  async #guard<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(f())
    } catch (e) {
      if (e instanceof AppError) throw e
      throw new AppError(
        'ERR_UPSTREAM_UNAVAILABLE',
        'Soroban RPC is unavailable',
        e instanceof Error ? e.message : 'rpc',
      )
    }
  }
}

/** Stops waiting after CALL_TIMEOUT_MS; the abandoned call's late failure is absorbed, never unhandled. */
async function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  work.catch(() => {})
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError('ERR_UPSTREAM_TIMEOUT', 'Soroban RPC did not answer in time')),
      CALL_TIMEOUT_MS,
    )
  })
  try {
    return await Promise.race([work, late])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

const short = (s: string) => s.split('\n')[0]?.slice(0, 200) ?? 'unknown'
