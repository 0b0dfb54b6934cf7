/**
 * The stand-in's ledger: world state, closed-ledger counter and history (transactions and operations as
 * Horizon records), plus the helpers tests use directly — seed accounts, read balances, inject latency or
 * failures. Every submission goes through `submit`, which is the same path `POST /transactions` takes.
 */
import type { OperationRecord, Transaction } from '@stellar/stellar-sdk/base'
import { toStroops } from '../../../shared/schemas/money.ts'
import type { RateTable } from './operations.ts'
import { rateKey } from './operations.ts'
import { operationRecord, transactionRecord } from './records.ts'
import { baseAccountId } from './signatures.ts'
import {
  type AccountState,
  type AssetRef,
  emptyWorld,
  newAccount,
  type Signer,
  type World,
  wireAmount,
} from './state.ts'
import { judgeAndApply, type Verdict } from './submit.ts'

export type HistoryEntry = {
  readonly pagingToken: bigint
  readonly accounts: ReadonlySet<string>
  readonly record: Record<string, unknown>
}

export type InjectedFailure = { readonly status: 429 | 500 | 503 | 504 }

export type LedgerOptions = {
  readonly passphrase: string
  readonly baseReserveStroops: bigint
  /** Milliseconds since the epoch; injectable so time-bound tests need no sleeping. */
  readonly now: () => number
}

export class StandInLedger {
  readonly options: LedgerOptions
  world: World = emptyWorld()
  sequence = 1
  closedAt = new Date(0)
  readonly transactions: HistoryEntry[] = []
  readonly operations: HistoryEntry[] = []
  readonly rates = new Map<string, { n: bigint; d: bigint }>()
  latencyMs = 0
  readonly #failures: InjectedFailure[] = []

  constructor(options: LedgerOptions) {
    this.options = options
    this.closedAt = new Date(options.now())
  }

  /** Seeds an account directly (no transaction), like a genesis entry. `balance` is a decimal string. */
  createAccount(publicKey: string, balance: string): void {
    this.world.accounts.set(publicKey, newAccount(publicKey, toStroops(balance), this.sequence))
  }

  account(publicKey: string): AccountState | undefined {
    return this.world.accounts.get(baseAccountId(publicKey))
  }

  /** Balances as Horizon prints them: `{ native: '100.0000000', 'USDC:G…': '5.0000000' }`. */
  balances(publicKey: string): Record<string, string> | undefined {
    const a = this.account(publicKey)
    if (!a) return undefined
    const out: Record<string, string> = { native: wireAmount(a.native) }
    for (const [key, line] of a.trustlines) out[key] = wireAmount(line.balance)
    return out
  }

  /** Adds a signer or changes thresholds without a set_options operation (multisig tests). */
  configureAccount(
    publicKey: string,
    change: { signers?: Signer[]; masterWeight?: number; thresholds?: AccountState['thresholds'] },
  ): void {
    const a = this.account(publicKey)
    if (!a) throw new Error(`no such account ${publicKey}`)
    if (change.signers) a.signers = change.signers
    if (change.masterWeight !== undefined) a.masterWeight = change.masterWeight
    if (change.thresholds) a.thresholds = change.thresholds
  }

  /** Path payments convert at this fixed rate: 1 `from` buys `rate` (decimal string) `to`. */
  setRate(from: AssetRef, to: AssetRef, rate: string): void {
    this.rates.set(rateKey(from, to), { n: toStroops(rate), d: 10_000_000n })
  }

  /** Every transaction that made it into a ledger (successful or tx_failed), oldest first. */
  get submitted(): readonly Record<string, unknown>[] {
    return this.transactions.map((t) => t.record)
  }

  setLatencyMs(ms: number): void {
    this.latencyMs = ms
  }

  /** The next `count` requests (any route) answer with Horizon's problem for `status`. */
  failNext(count: number, status: InjectedFailure['status'] = 503): void {
    for (let i = 0; i < count; i++) this.#failures.push({ status })
  }

  takeFailure(): InjectedFailure | undefined {
    return this.#failures.shift()
  }

  reset(): void {
    this.world = emptyWorld()
    this.sequence = 1
    this.transactions.length = 0
    this.operations.length = 0
    this.rates.clear()
    this.latencyMs = 0
    this.#failures.length = 0
  }

  /** Judges and applies one envelope; closes a ledger when the transaction got into one. */
  submit(envelope: string): Verdict {
    const nowMs = this.options.now()
    const verdict = judgeAndApply({
      envelope,
      passphrase: this.options.passphrase,
      world: this.world,
      baseReserve: this.options.baseReserveStroops,
      ledger: this.sequence + 1,
      rates: this.rates as RateTable,
      nowSeconds: Math.floor(nowMs / 1000),
    })
    const included =
      verdict.applied || verdict.code === 'tx_failed' || verdict.code === 'tx_fee_bump_inner_failed'
    if (!included) return verdict
    this.sequence++
    this.closedAt = new Date(nowMs)
    this.#record(verdict, envelope)
    return verdict
  }

  #record(v: Verdict, envelope: string): void {
    const tx: Transaction = v.tx
    const token = (BigInt(this.sequence) << 32n) | (1n << 12n)
    const involved = new Set<string>([baseAccountId(tx.source), v.feeAccount])
    const ops = tx.operations as OperationRecord[]
    ops.forEach((op, i) => {
      const accounts = accountsOf(op, tx.source)
      for (const a of accounts) involved.add(a)
      this.operations.push({
        pagingToken: token + BigInt(i + 1),
        accounts,
        record: operationRecord(op, tx, v, token + BigInt(i + 1), this.closedAt, i),
      })
    })
    this.transactions.push({
      pagingToken: token,
      accounts: involved,
      record: transactionRecord(tx, v, envelope, token, this.closedAt, this.sequence),
    })
  }
}

function accountsOf(op: OperationRecord, txSource: string): Set<string> {
  const out = new Set([baseAccountId(op.source ?? txSource)])
  if ('destination' in op && typeof op.destination === 'string') out.add(baseAccountId(op.destination))
  return out
}
