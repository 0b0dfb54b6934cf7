/**
 * The one contract the Soroban RPC stand-in knows: a minimal token with `balance(id) -> i128` and
 * `transfer(from, to, amount: i128) -> void`. Balances are bigints; `from` must be the transaction's source
 * account (source-account authorisation), which is what the stand-in can check without host-level auth.
 */
import { Address, scValToNative, type xdr } from '@stellar/stellar-sdk/base'

export type ContractCall = {
  readonly contractId: string
  readonly fn: string
  readonly args: readonly xdr.ScVal[]
}

export type CallOutcome =
  | { ok: true; value: { type: 'i128'; v: bigint } | { type: 'void' } }
  | { ok: false; error: string }

export class TokenContract {
  readonly id: string
  readonly balances = new Map<string, bigint>()

  constructor(id: string) {
    this.id = id
  }

  /** Runs a call against `state` (a copy for simulation, the live map for execution). */
  run(call: ContractCall, source: string, state: Map<string, bigint> = this.balances): CallOutcome {
    if (call.contractId !== this.id)
      return { ok: false, error: `contract ${call.contractId} is not deployed` }
    const native = call.args.map((a) => scValToNative(a) as unknown)
    switch (call.fn) {
      case 'balance': {
        const [who] = native
        if (typeof who !== 'string') return { ok: false, error: 'balance(id: Address)' }
        return { ok: true, value: { type: 'i128', v: state.get(who) ?? 0n } }
      }
      case 'transfer': {
        const [from, to, amount] = native
        if (typeof from !== 'string' || typeof to !== 'string' || typeof amount !== 'bigint') {
          return { ok: false, error: 'transfer(from: Address, to: Address, amount: i128)' }
        }
        // Authorisation: only the source account may move its own balance.
        if (from !== source)
          return { ok: false, error: `Error(Auth, InvalidAction): ${from} did not authorise` }
        if (amount <= 0n) return { ok: false, error: 'Error(Contract, #1): amount must be positive' }
        const have = state.get(from) ?? 0n
        if (have < amount) return { ok: false, error: 'Error(Contract, #10): balance is not sufficient' }
        state.set(from, have - amount)
        state.set(to, (state.get(to) ?? 0n) + amount)
        return { ok: true, value: { type: 'void' } }
      }
      default:
        return { ok: false, error: `Error(WasmVm, MissingValue): no function ${call.fn}` }
    }
  }
}

/** Reads `invokeContract` arguments out of a decoded host function, or undefined for anything else. */
export function contractCallOf(func: xdr.HostFunction): ContractCall | undefined {
  if (func.type !== 'hostFunctionTypeInvokeContract') return undefined
  const inv = func.value
  return {
    contractId: Address.fromScAddress(inv.contractAddress).toString(),
    fn: inv.functionName.toString(),
    args: inv.args,
  }
}
