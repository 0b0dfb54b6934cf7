/**
 * Soroban transactions for the policy tables, built with stellar-sdk from the contracts' real argument
 * encodings: Blend `Request` as an ScMap with sorted symbol keys (address, amount, request_type), Soroswap
 * paths as Vec<Address>, deadlines as u64, amounts as i128. Keys are generated per run.
 */
import {
  Address,
  Asset,
  Keypair,
  Networks,
  nativeToScVal,
  Operation,
  type Transaction,
  xdr,
} from '@stellar/stellar-sdk/base'
import { PROTOCOL_CONTRACTS } from '../../../shared/network.ts'
import { builtinDefaults, compilePolicy, type Policy } from '../../../signer/policy/config.ts'
import { type Decision, evaluatePolicy } from '../../../signer/policy/evaluate.ts'
import { decodeAndCheck } from '../../../signer/tx/check.ts'
import { addr, buildTx, i128, invocation, NOW, NOW_S, u64 } from '../policy-fixtures.ts'

export { u32 } from '../policy-fixtures.ts'
export { addr, i128, invocation, NOW, NOW_S, u64 }

export const MAINNET = Networks.PUBLIC
export const USDC_ISSUER_MAIN = 'GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN'
export const USDC_KEY = `USDC:${USDC_ISSUER_MAIN}`
export const USDC = new Asset('USDC', USDC_ISSUER_MAIN).contractId(MAINNET)
export const XLM = Asset.native().contractId(MAINNET)
/** A SAC of an asset with no configured limit. */
export const EURC = new Asset('EURC', 'GDHU6WRG4IEQXM5NZ4BMPKOXHW76MZM4Y2IEMFDVXBSDP6SJY4ITNPP2').contractId(
  MAINNET,
)
export const FIXED = PROTOCOL_CONTRACTS.mainnet.blendPools.Fixed as string
export const ROUTER = PROTOCOL_CONTRACTS.mainnet.soroswapRouter as string
export const AGGREGATOR = PROTOCOL_CONTRACTS.mainnet.soroswapAggregator as string
/** Blend's v1 Fixed pool (blend-utils `Fixed`): not a v2 pool, so not read. */
export const FIXED_V1 = 'CDVQVKOY2YSXS2IC7KN6MNASSHPAO7UN2UR2ON4OI2SKMFJNVAMDX6DP'
/** A Soroswap pair, a Phoenix pool: contracts the leaves pay (from the fixture transaction). */
export const PAIR = 'CC7CDFY2VGDODJ7WPO3JIK2MXLOAXL4LRQCC43UJDBAIJ4SVFO3HNPOC'
export const POOL = 'CBHCRSVX3ZZ7EGTSYMKPEFGZNWRVCSESQR3UABET4MIW52N4EVU6BIZX'
export const STRANGER_CONTRACT = 'CBQDHNBFBZYE4MKPWBSJOPIYLW4SFSXAXUTSXJN76GNKYVYPCKWC6QUK'

export const ME = Keypair.random().publicKey()
export const MY_OTHER = Keypair.random().publicKey()
export const ATTACKER = Keypair.random().publicKey()
export const OWN = new Set([ME, MY_OTHER])

export const POLICY = compilePolicy(builtinDefaults('mainnet'), MAINNET)
export const DENY_UNKNOWN = compilePolicy(
  { ...builtinDefaults('mainnet'), soroban: { unknownContracts: 'deny' } },
  MAINNET,
)

export const usdc = (n: number): bigint => BigInt(Math.round(n * 1e7))

/** Blend `Request` exactly as the contract's #[contracttype] encodes it. */
export const request = (requestType: number, asset: string, amount: bigint): xdr.ScVal =>
  nativeToScVal(
    { address: asset, amount, request_type: requestType },
    { type: { address: ['symbol', 'address'], amount: ['symbol', 'i128'], request_type: ['symbol', 'u32'] } },
  )

export const vec = (items: xdr.ScVal[]): xdr.ScVal => xdr.ScVal.scvVec(items)
export const path = (...tokens: string[]): xdr.ScVal => vec(tokens.map(addr))
export const sym = (s: string): xdr.ScVal => xdr.ScVal.scvSymbol(s)
export const entry = (key: string, val: xdr.ScVal) => new xdr.ScMapEntry({ key: sym(key), val })
export const map = (entries: [string, xdr.ScVal][]): xdr.ScVal =>
  xdr.ScVal.scvMap(entries.map(([k, v]) => entry(k, v)))

export const transfer = (token: string, from: string, to: string, amount: bigint) =>
  invocation(token, 'transfer', [addr(from), addr(to), i128(amount)])

/** An invoke_host_function calling `root` with these auth entries (default: source-account credentials). */
export function contractOp(
  contract: string,
  fn: string,
  args: xdr.ScVal[],
  auth: xdr.SorobanAuthorizationEntry[],
): xdr.Operation {
  return Operation.invokeContractFunction({ contract, function: fn, args, auth })
}

export const sourceAuth = (tree: xdr.SorobanAuthorizedInvocation) =>
  new xdr.SorobanAuthorizationEntry({
    credentials: xdr.SorobanCredentials.sorobanCredentialsSourceAccount(),
    rootInvocation: tree,
  })

export const addressAuth = (who: string, tree: xdr.SorobanAuthorizedInvocation) =>
  new xdr.SorobanAuthorizationEntry({
    credentials: xdr.SorobanCredentials.sorobanCredentialsAddress(
      new xdr.SorobanAddressCredentials({
        address: new Address(who).toScAddress(),
        nonce: 7n,
        signatureExpirationLedger: 1000,
        signature: xdr.ScVal.scvVoid(),
      }),
    ),
    rootInvocation: tree,
  })

/** The common case: the root call is authorised by the source account with this tree. */
export function call(
  contract: string,
  fn: string,
  args: xdr.ScVal[],
  subs: xdr.SorobanAuthorizedInvocation[] = [],
) {
  return contractOp(contract, fn, args, [sourceAuth(invocation(contract, fn, args, subs))])
}

export const mainnetTx = (ops: xdr.Operation[], source = ME): Transaction =>
  buildTx({ source, ops, passphrase: MAINNET, fee: '1000000' })

export type Run = {
  readonly policy?: Policy
  readonly approved?: boolean
  readonly spent?: Record<string, bigint>
  readonly signer?: string
}

/** The pipeline tx.sign runs: decode and check the XDR, then the pure policy with a fixed `now`. */
export function evaluate(tx: Transaction, r: Run = {}): Decision {
  const signer = r.signer ?? ME
  const checked = decodeAndCheck({
    xdr: tx.toEnvelope().toXDR('base64'),
    publicKey: signer,
    networkPassphrase: MAINNET,
    claimedPassphrase: undefined,
  })
  if (!checked.ok) throw new Error(checked.error.message)
  return evaluatePolicy(
    r.policy ?? POLICY,
    checked.value.tx,
    {
      signer,
      spentToday: new Map(Object.entries(r.spent ?? {})),
      feesSpent: 0n,
      approved: r.approved ?? false,
      ownAccounts: OWN,
    },
    NOW,
  )
}

/** "allow" | "approval" | the denial's code, and the spend in base units. */
export function verdictOf(d: Decision): { verdict: string; spend?: Record<string, bigint>; message: string } {
  if (d.verdict === 'deny') return { verdict: d.code, message: d.message }
  return {
    verdict: d.verdict,
    spend: Object.fromEntries([...d.spend].filter(([, v]) => v > 0n)),
    message: d.verdict === 'approval' ? d.message : '',
  }
}

export type Row = {
  readonly tx: () => Transaction
  readonly expect: string
  readonly spend?: Record<string, bigint>
  /** A fragment the denial or approval message must contain (the node path, the plain reason). */
  readonly says?: string
} & Run

export function check(row: Row): void {
  const got = verdictOf(evaluate(row.tx(), row))
  if (got.verdict !== row.expect)
    throw new Error(`expected ${row.expect}, got ${got.verdict}: ${got.message}`)
  if (row.spend && JSON.stringify(got.spend, big) !== JSON.stringify(row.spend, big)) {
    throw new Error(`spend ${JSON.stringify(got.spend, big)} ≠ ${JSON.stringify(row.spend, big)}`)
  }
  if (row.says && !got.message.includes(row.says))
    throw new Error(`message "${got.message}" lacks "${row.says}"`)
}

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)
