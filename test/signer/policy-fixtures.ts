/** Transactions for the policy table: built with stellar-sdk at test time, keys generated per run. */
import {
  Account,
  Address,
  Asset,
  Claimant,
  Keypair,
  MuxedAccount,
  Networks,
  nativeToScVal,
  Operation,
  type Transaction,
  TransactionBuilder,
  xdr,
} from '@stellar/stellar-sdk/base'

export const NOW = new Date('2025-06-01T12:00:00.000Z')
export const NOW_S = Math.floor(NOW.getTime() / 1000)
export const USDC_ISSUER = 'GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5'
export const USDC = new Asset('USDC', USDC_ISSUER)
export const XLM = Asset.native()
export const XLM_SAC = XLM.contractId(Networks.TESTNET)
export const USDC_SAC = USDC.contractId(Networks.TESTNET)

export type Build = {
  ops: xdr.Operation[]
  source?: string
  fee?: string
  maxTime?: number
  passphrase?: string
}

let seq = 100n
export function buildTx(b: Build): Transaction {
  seq += 1n
  const source = b.source ?? ''
  const account = source.startsWith('M')
    ? new MuxedAccount(
        new Account(MuxedAccount.fromAddress(source, '0').baseAccount().accountId(), seq.toString()),
        '7',
      )
    : new Account(source, seq.toString())
  const builder = new TransactionBuilder(account, {
    fee: b.fee ?? '100',
    networkPassphrase: b.passphrase ?? Networks.TESTNET,
    timebounds: { minTime: 0, maxTime: b.maxTime ?? NOW_S + 300 },
  })
  for (const op of b.ops) builder.addOperation(op)
  return builder.build()
}

export const pay = (destination: string, amount: string, asset: Asset = XLM, source?: string) =>
  Operation.payment({ destination, asset, amount, ...(source ? { source } : {}) })

const fnArgs = (contract: string, fn: string, args: xdr.ScVal[]) =>
  new xdr.InvokeContractArgs({
    contractAddress: new Address(contract).toScAddress(),
    functionName: new xdr.XdrString(fn),
    args,
  })

export const invocation = (
  contract: string,
  fn: string,
  args: xdr.ScVal[],
  sub: xdr.SorobanAuthorizedInvocation[] = [],
) =>
  new xdr.SorobanAuthorizedInvocation({
    function: xdr.SorobanAuthorizedFunction.sorobanAuthorizedFunctionTypeContractFn(
      fnArgs(contract, fn, args),
    ),
    subInvocations: sub,
  })

export const addr = (a: string) => new Address(a).toScVal()
export const i128 = (n: bigint) => nativeToScVal(n, { type: 'i128' })
export const u32 = (n: number) => nativeToScVal(n, { type: 'u32' })
export const u64 = (n: bigint | number) => nativeToScVal(BigInt(n), { type: 'u64' })

/** invoke_host_function calling `root` with the given authorization tree (source-account credentials). */
export function sorobanOp(
  contract: string,
  fn: string,
  args: xdr.ScVal[],
  tree: xdr.SorobanAuthorizedInvocation,
) {
  return Operation.invokeContractFunction({
    contract,
    function: fn,
    args,
    auth: [
      new xdr.SorobanAuthorizationEntry({
        credentials: xdr.SorobanCredentials.sorobanCredentialsSourceAccount(),
        rootInvocation: tree,
      }),
    ],
  })
}

export const stroops = (xlm: number): bigint => BigInt(Math.round(xlm * 1e7))
export const randomKey = (): string => Keypair.random().publicKey()
export const muxedOf = (g: string, id = '9'): string => new MuxedAccount(new Account(g, '0'), id).accountId()
export const claimant = (g: string) => new Claimant(g, Claimant.predicateUnconditional())
