/**
 * A tiny contract host for the Soroban RPC stand-in: contract storage (ledger entries by key), token
 * balances, and a registry of emulated contracts. A call runs against a *frame* — copies of storage and
 * balances — that simulation throws away and `sendTransaction` commits, so simulation never moves money.
 * Each call records the authorisation tree the real host would ask the transaction's source account for
 * (`require_auth` of the user at the root, the `transfer`s the user authorises beneath it), which is what
 * simulation returns as `auth` and what sending checks the transaction carries.
 *
 * Not emulated: fees and resource metering, TTLs and archival, events, auth for anyone but the source
 * account (no signed address credentials), contract-to-contract auth (the pool's own transfers are just
 * done, as `current_contract_address()` would authorise them).
 */
import { Address, xdr } from '@stellar/stellar-sdk/base'

export type Frame = {
  readonly storage: Map<string, xdr.ScVal>
  readonly balances: Map<string, bigint>
  /** Seconds: the ledger close time the call sees. */
  readonly now: bigint
  /** The transaction's source account (the only address that can authorise). */
  readonly source: string
  /** Contract events the call publishes; kept only when the frame commits. */
  readonly events: ContractEvent[]
}

export type ContractEvent = {
  readonly contract: string
  readonly topic: readonly xdr.ScVal[]
  readonly value: xdr.ScVal
  /** Seconds; set from the frame's clock, or back-dated by seeding. */
  readonly at: bigint
  ledger: number
}

export type Invocation = {
  readonly contract: string
  readonly fn: string
  readonly args: readonly xdr.ScVal[]
}

/** What an emulated contract returns; `auth` lists invocations the source account must authorise beneath it. */
export type CallResult =
  | { readonly ok: true; readonly value: xdr.ScVal; readonly auth: readonly Invocation[] }
  | { readonly ok: false; readonly error: string }

export type Emulated = {
  call(host: Host, frame: Frame, fn: string, args: readonly xdr.ScVal[]): CallResult | Promise<CallResult>
}

export const contractError = (n: number): CallResult => ({ ok: false, error: `Error(Contract, #${n})` })
export const done = (value: xdr.ScVal, auth: readonly Invocation[] = []): CallResult => ({
  ok: true,
  value,
  auth,
})

export const dataKey = (contract: string, key: xdr.ScVal) =>
  xdr.LedgerKey.contractData(
    new xdr.LedgerKeyContractData({
      contract: new Address(contract).toScAddress(),
      key,
      durability: xdr.ContractDataDurability.persistent,
    }),
  ).toXDR('base64')

export const balanceKey = (token: string, holder: string) => `${token}/${holder}`

export function invocationXdr(inv: Invocation, subs: readonly Invocation[]): xdr.SorobanAuthorizedInvocation {
  const node = (i: Invocation, children: xdr.SorobanAuthorizedInvocation[]) =>
    new xdr.SorobanAuthorizedInvocation({
      function: xdr.SorobanAuthorizedFunction.sorobanAuthorizedFunctionTypeContractFn(
        new xdr.InvokeContractArgs({
          contractAddress: new Address(i.contract).toScAddress(),
          functionName: i.fn,
          args: [...i.args],
        }),
      ),
      subInvocations: children,
    })
  return node(
    inv,
    subs.map((s) => node(s, [])),
  )
}

export class Host {
  readonly storage = new Map<string, xdr.ScVal>()
  readonly balances = new Map<string, bigint>()
  readonly contracts = new Map<string, Emulated>()
  /** Prices the oracle stand-in answers with (asset → price, 7 decimals); empty unless a test sets them. */
  readonly oraclePrices = new Map<string, bigint>()
  /** Native XLM lives in the Horizon stand-in's accounts: the XLM token reads and writes there. */
  readonly native: { get(account: string): bigint | undefined; set(account: string, stroops: bigint): void }

  constructor(native: Host['native']) {
    this.native = native
  }

  knows(contract: string): boolean {
    return this.contracts.has(contract)
  }

  /** Runs a top-level call in a fresh frame; `commit` writes the frame back. */
  async run(inv: Invocation, source: string, now: bigint, commit: boolean) {
    const frame: Frame = {
      storage: new Map(this.storage),
      balances: new Map(this.balances),
      now,
      source,
      events: [],
    }
    const r = await this.invoke(frame, inv)
    if (r.ok && commit) this.commit(frame)
    return { result: r, frame }
  }

  async invoke(frame: Frame, inv: Invocation): Promise<CallResult> {
    const c = this.contracts.get(inv.contract)
    if (!c)
      return { ok: false, error: `Error(Storage, MissingValue): contract ${inv.contract} is not deployed` }
    return c.call(this, frame, inv.fn, inv.args)
  }

  /** Published events, oldest first, as `getEvents` serves them. */
  readonly events: ContractEvent[] = []
  /** The ledger number stamped on events committed next (the server keeps it in step). */
  ledger = 1

  commit(frame: Frame): void {
    for (const e of frame.events) this.events.push({ ...e, ledger: this.ledger })
    for (const [k, v] of frame.storage) this.storage.set(k, v)
    for (const [k, v] of frame.balances) {
      const [token, holder] = k.split('/')
      if (token && holder && this.isNative(token) && holder.startsWith('G')) this.native.set(holder, v)
      else this.balances.set(k, v)
    }
  }

  nativeToken: string | undefined
  isNative(token: string): boolean {
    return token === this.nativeToken
  }

  balance(frame: Frame, token: string, holder: string): bigint {
    const k = balanceKey(token, holder)
    const own = frame.balances.get(k)
    if (own !== undefined) return own
    if (this.isNative(token) && holder.startsWith('G')) return this.native.get(holder) ?? 0n
    return 0n
  }

  setBalance(frame: Frame, token: string, holder: string, v: bigint): void {
    frame.balances.set(balanceKey(token, holder), v)
  }

  /** Moves tokens inside a frame; `false` when `from` holds too little. */
  move(frame: Frame, token: string, from: string, to: string, amount: bigint): boolean {
    const have = this.balance(frame, token, from)
    if (amount < 0n || have < amount) return false
    this.setBalance(frame, token, from, have - amount)
    this.setBalance(frame, token, to, this.balance(frame, token, to) + amount)
    return true
  }

  /** Direct seeding for tests and dev:local (like a genesis entry). */
  mint(token: string, holder: string, amount: bigint): void {
    if (this.isNative(token) && holder.startsWith('G')) {
      this.native.set(holder, (this.native.get(holder) ?? 0n) + amount)
      return
    }
    const k = balanceKey(token, holder)
    this.balances.set(k, (this.balances.get(k) ?? 0n) + amount)
  }
}
