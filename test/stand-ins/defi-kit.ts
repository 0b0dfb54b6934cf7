/**
 * Shared set-up for the DeFi stand-in tests: a Horizon and a Soroban RPC stand-in (which serves the DeFi
 * contracts), the edge's real `SorobanRpc` client and protocol-client deps over them, and helpers to make a
 * user, build a transaction and read the authorisation tree an assembled transaction carries.
 */
import { Address, Keypair, nativeToScVal, TransactionBuilder, type xdr } from '@stellar/stellar-sdk/base'
import type { DefiDeps } from '../../edge/defi/blend/client.ts'
import { SorobanRpc } from '../../edge/stellar/soroban-rpc.ts'
import { parseNetwork } from '../../shared/network.ts'
import { type HorizonStandIn, startHorizon } from '../support/horizon/server.ts'
import { standInIds, standInProtocolContracts } from '../support/soroban-rpc/defi/ids.ts'
import { type SorobanRpcStandIn, startSorobanRpc } from '../support/soroban-rpc/server.ts'

export const PASSPHRASE = 'Tuxedo DeFi Stand-in ; 2026'
/** The stand-in's contract ids on this passphrase (token ids derived from it). */
export const STAND_IN = standInIds(PASSPHRASE)

export type Kit = {
  readonly h: HorizonStandIn
  readonly s: SorobanRpcStandIn
  readonly rpc: SorobanRpc
  readonly deps: DefiDeps
  user(usdc?: bigint): Keypair
  build(kp: Keypair, op: xdr.Operation): Promise<ReturnType<TransactionBuilder['build']>>
  /** prepare (simulate + assemble), sign, send and wait. */
  send(kp: Keypair, op: xdr.Operation): Promise<Awaited<ReturnType<SorobanRpc['prepare']>>>
  close(): Promise<void>
}

export async function startKit(): Promise<Kit> {
  const h = await startHorizon({ passphrase: PASSPHRASE })
  const s = await startSorobanRpc({ passphrase: PASSPHRASE, horizon: h.ledger })
  const parsed = parseNetwork({
    STELLAR_NETWORK: 'custom',
    NETWORK_PASSPHRASE: PASSPHRASE,
    HORIZON_URL: h.url,
    SOROBAN_RPC_URL: s.url,
    PROTOCOL_CONTRACTS: JSON.stringify(standInProtocolContracts()),
  })
  if (!parsed.ok) throw new Error(parsed.problems.join())
  const rpc = new SorobanRpc(parsed.network)
  const deps: DefiDeps = { rpc, network: parsed.network, now: () => BigInt(Math.floor(Date.now() / 1000)) }
  const build = async (kp: Keypair, op: xdr.Operation) => {
    const a = h.ledger.account(kp.publicKey())
    if (!a) throw new Error('no account')
    const account = {
      accountId: () => kp.publicKey(),
      sequenceNumber: () => a.sequence.toString(),
      incrementSequenceNumber() {},
    }
    return new TransactionBuilder(account, { fee: '100', networkPassphrase: PASSPHRASE })
      .addOperation(op)
      .setTimeout(60)
      .build()
  }
  return {
    h,
    s,
    rpc,
    deps,
    user(usdc = 0n) {
      const kp = Keypair.random()
      h.ledger.createAccount(kp.publicKey(), '1000')
      if (usdc > 0n) s.defi?.mint(STAND_IN.usdc, kp.publicKey(), usdc)
      return kp
    },
    build,
    async send(kp, op) {
      const tx = await rpc.prepare(await build(kp, op))
      tx.sign(kp)
      await rpc.sendAndWait(tx.toXDR(), new AbortController().signal)
      return tx
    },
    async close() {
      await s.close()
      await h.close()
    },
  }
}

export type AuthNode = { contract: string; fn: string; args: string[]; subs: AuthNode[] }

/** The auth entries of an assembled single-operation transaction, as plain (contract, fn, args) trees. */
export function authTree(tx: Awaited<ReturnType<SorobanRpc['prepare']>>) {
  const op = tx.operations[0]
  if (op?.type !== 'invokeHostFunction') throw new Error('not a contract call')
  const node = (i: xdr.SorobanAuthorizedInvocation): AuthNode => {
    const f = i.function
    if (f.type !== 'sorobanAuthorizedFunctionTypeContractFn')
      throw new Error('unexpected create-contract auth')
    return {
      contract: Address.fromScAddress(f.contractFn.contractAddress).toString(),
      fn: f.contractFn.functionName.toString(),
      args: f.contractFn.args.map((a) => a.toXDR('base64')),
      subs: i.subInvocations.map(node),
    }
  }
  return (op.auth ?? []).map((e) => ({ credentials: e.credentials.type, root: node(e.rootInvocation) }))
}

export const sc = {
  addr: (id: string) => new Address(id).toScVal().toXDR('base64'),
  i128: (v: bigint) => nativeToScVal(v, { type: 'i128' }).toXDR('base64'),
}
