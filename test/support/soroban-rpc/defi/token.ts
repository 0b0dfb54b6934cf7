/**
 * A SEP-41 token: `balance`, `transfer` (the `from` must be the transaction's source account: it is the only
 * address the stand-in can see authorise), `decimals`, `name`, `symbol`. The XLM token is backed by the
 * Horizon stand-in's native balances for accounts; contracts' balances live in the host. Not emulated:
 * allowances, `transfer_from`, mint/burn/clawback, trustline authorisation flags.
 */
import { Address, nativeToScVal, scValToNative, type xdr } from '@stellar/stellar-sdk/base'
import { contractError, done, type Emulated } from './host.ts'

export function token(id: string, symbol: string, decimals: number): Emulated {
  return {
    call(host, frame, fn, args) {
      const native = args.map((a) => scValToNative(a) as unknown)
      switch (fn) {
        case 'balance': {
          const [who] = native
          if (typeof who !== 'string') return { ok: false, error: 'balance(id: Address)' }
          return done(nativeToScVal(host.balance(frame, id, who), { type: 'i128' }))
        }
        case 'transfer': {
          const [from, to, amount] = native
          if (typeof from !== 'string' || typeof to !== 'string' || typeof amount !== 'bigint')
            return { ok: false, error: 'transfer(from: Address, to: Address, amount: i128)' }
          if (amount < 0n) return contractError(8)
          if (!host.move(frame, id, from, to, amount)) return contractError(10)
          return done(nativeToScVal(null))
        }
        case 'decimals':
          return done(nativeToScVal(decimals, { type: 'u32' }))
        case 'symbol':
          return done(nativeToScVal(symbol, { type: 'string' }))
        case 'name':
          return done(nativeToScVal(symbol, { type: 'string' }))
        default:
          return { ok: false, error: `Error(WasmVm, MissingValue): token has no function ${fn}` }
      }
    },
  }
}

/** A `transfer(from → to, amount)` the user authorises, as a sub-invocation. */
export const transferInvocation = (tokenId: string, from: string, to: string, amount: bigint) => ({
  contract: tokenId,
  fn: 'transfer',
  args: [
    new Address(from).toScVal(),
    new Address(to).toScVal(),
    nativeToScVal(amount, { type: 'i128' }),
  ] as xdr.ScVal[],
})
