/**
 * Soroswap factory, one pair and the router. The pair's reserves are the stand-in's own (no recorded pair
 * state in the fixtures): 1,000,000 XLM against 250,000 USDC, tokens sorted by address as the factory sorts
 * them. Emulated: factory `get_pair` (error #… when none, like `PairDoesNotExist`), pair `token_0`/`token_1`/
 * `get_reserves`, router `router_get_amounts_out` and `swap_exact_tokens_for_tokens` with the library's
 * quote math (edge/defi/soroswap/quote.ts, a port of library/src/quotes.rs), the deadline and minimum-out
 * checks, and the user's `transfer(user → pair, amount_in)` beneath the router call in the auth tree.
 * Not emulated: liquidity add/remove, multi-hop paths beyond the one pair, protocol fees (k_last), the
 * aggregator and its adapters.
 */
import { Address, nativeToScVal, scValToNative, xdr } from '@stellar/stellar-sdk/base'
import { getAmountsOut } from '../../../../edge/defi/soroswap/quote.ts'
import { contractError, done, type Emulated, type Frame, type Host } from './host.ts'
import { transferInvocation } from './token.ts'

const i128 = (v: bigint) => nativeToScVal(v, { type: 'i128' })
const order = (a: string, b: string) => {
  const x = new Address(a).toScAddress().toXDR('hex')
  const y = new Address(b).toScAddress().toXDR('hex')
  return x < y ? ([a, b] as const) : ([b, a] as const)
}

export type PairIds = { readonly pair: string; readonly tokenA: string; readonly tokenB: string }

export function seedPair(host: Host, p: PairIds, reserves: { readonly [token: string]: bigint }) {
  for (const [t, v] of Object.entries(reserves)) host.mint(t, p.pair, v)
}

export function soroswapFactory(p: PairIds): Emulated {
  return {
    call(_h, _f, fn, args) {
      if (fn !== 'get_pair' && fn !== 'pair_exists')
        return { ok: false, error: `Error(WasmVm, MissingValue): the factory stand-in has no function ${fn}` }
      const [a, b] = args.map((x) => scValToNative(x) as unknown)
      const found = (a === p.tokenA && b === p.tokenB) || (a === p.tokenB && b === p.tokenA)
      if (fn === 'pair_exists') return done(xdr.ScVal.scvBool(found))
      return found ? done(new Address(p.pair).toScVal()) : contractError(405)
    },
  }
}

const reservesOf = (h: Host, f: Frame, p: PairIds) => {
  const [t0, t1] = order(p.tokenA, p.tokenB)
  return { t0, t1, r0: h.balance(f, t0, p.pair), r1: h.balance(f, t1, p.pair) }
}

export function soroswapPair(p: PairIds): Emulated {
  return {
    call(h, f, fn) {
      const { t0, t1, r0, r1 } = reservesOf(h, f, p)
      if (fn === 'token_0') return done(new Address(t0).toScVal())
      if (fn === 'token_1') return done(new Address(t1).toScVal())
      if (fn === 'get_reserves') return done(xdr.ScVal.scvVec([i128(r0), i128(r1)]))
      return { ok: false, error: `Error(WasmVm, MissingValue): the pair stand-in has no function ${fn}` }
    },
  }
}

function quote(h: Host, f: Frame, p: PairIds, amountIn: bigint, path: unknown) {
  if (!Array.isArray(path) || path.length !== 2) return undefined
  const [tin, tout] = path as [unknown, unknown]
  const known = (t: unknown) => t === p.tokenA || t === p.tokenB
  if (!known(tin) || !known(tout) || tin === tout) return undefined
  const { t0, r0, r1 } = reservesOf(h, f, p)
  const [rin, rout] = tin === t0 ? [r0, r1] : [r1, r0]
  const q = getAmountsOut(amountIn, [{ reserveIn: rin, reserveOut: rout }])
  return q.ok ? { amounts: q.value, tin: String(tin), tout: String(tout) } : undefined
}

export function soroswapRouter(p: PairIds): Emulated {
  return {
    call(h, f, fn, args) {
      const native = args.map((x) => scValToNative(x) as unknown)
      if (fn === 'router_get_amounts_out') {
        const [amountIn, path] = native
        if (typeof amountIn !== 'bigint') return contractError(1)
        const q = quote(h, f, p, amountIn, path)
        return q ? done(xdr.ScVal.scvVec(q.amounts.map(i128))) : contractError(402)
      }
      if (fn === 'swap_exact_tokens_for_tokens') {
        const [amountIn, minOut, path, to, deadline] = native
        if (typeof amountIn !== 'bigint' || typeof minOut !== 'bigint' || typeof deadline !== 'bigint')
          return contractError(1)
        if (amountIn < 0n || minOut < 0n) return contractError(403)
        if (to !== f.source) return { ok: false, error: 'Error(Auth, InvalidAction): to did not authorise' }
        if (f.now >= deadline) return contractError(404) // DeadlineExpired
        const q = quote(h, f, p, amountIn, path)
        if (!q) return contractError(402)
        const out = q.amounts[1] ?? 0n
        if (out < minOut) return contractError(406) // InsufficientOutputAmount
        if (!h.move(f, q.tin, to, p.pair, amountIn)) return contractError(10)
        if (!h.move(f, q.tout, p.pair, to, out)) return contractError(10)
        return done(xdr.ScVal.scvVec(q.amounts.map(i128)), [transferInvocation(q.tin, to, p.pair, amountIn)])
      }
      return { ok: false, error: `Error(WasmVm, MissingValue): the router stand-in has no function ${fn}` }
    },
  }
}
