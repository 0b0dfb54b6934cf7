/**
 * A Soroban RPC stand-in (JSON-RPC 2.0 on `POST /`) for one fixed token contract and, unless `defi: false`,
 * the DeFi contracts of ./defi/ (Blend's mainnet snapshot, a DeFindex vault, a Soroswap pair and router; each
 * file's header says what it emulates), sharing accounts and sequence numbers with the Horizon stand-in's
 * ledger. Enough for stellar-sdk's `rpc.Server` to getAccount → getLedgerEntries → simulateTransaction (with
 * the auth trees the contracts ask for) → assembleTransaction → sendTransaction (which enforces them) →
 * getTransaction, and getEvents. Signatures are checked against the configured passphrase exactly as the
 * Horizon stand-in checks them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  Keypair,
  nativeToScVal,
  SorobanDataBuilder,
  StrKey,
  type Transaction,
  TransactionBuilder,
  xdr,
} from '@stellar/stellar-sdk/base'
import type { StandInLedger } from '../horizon/ledger.ts'
import { baseAccountId, SignatureSet } from '../horizon/signatures.ts'
import { type ContractCall, contractCallOf, TokenContract } from './contract.ts'
import type { Host } from './defi/host.ts'
import { applyDefi, contractDataRow, getEvents, runDefi } from './defi/rpc.ts'
import { startDefiHost } from './defi/setup.ts'

export type SorobanRpcOptions = {
  readonly passphrase: string
  /** Accounts (and their sequence numbers) come from the Horizon stand-in, as on a real network. */
  readonly horizon: StandInLedger
  readonly port?: number
  /** The token contract's id; a fixed one by default. */
  readonly contractId?: string
  /** Serve the DeFi contracts (Blend snapshot, DeFindex, Soroswap) at their stand-in ids; on by default. */
  readonly defi?: boolean
}

export type SorobanRpcStandIn = {
  readonly url: string
  readonly contract: TokenContract
  /** The DeFi contract host (storage, balances), or undefined when `defi: false`. */
  readonly defi: Host | undefined
  close(): Promise<void>
}

const RESOURCE_FEE = 100_000n
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

type Stored = {
  envelope: string
  result: xdr.TransactionResult
  meta: xdr.TransactionMeta
  ledger: number
  polled: boolean
}

function scValue(v: { type: 'i128'; v: bigint } | { type: 'void' }): xdr.ScVal {
  return v.type === 'void' ? xdr.ScVal.scvVoid() : nativeToScVal(v.v, { type: 'i128' })
}

export async function startSorobanRpc(options: SorobanRpcOptions): Promise<SorobanRpcStandIn> {
  const contract = new TokenContract(options.contractId ?? StrKey.encodeContract(Buffer.alloc(32, 7)))
  const txs = new Map<string, Stored>()
  const ledger = options.horizon
  const defi = options.defi === false ? undefined : startDefiHost(ledger, options.passphrase)
  const nowSeconds = () => BigInt(Math.floor(ledger.options.now() / 1000))

  const runDefiCall = (call: ContractCall, source: string, commit: boolean) =>
    runDefi(defi, call, source, nowSeconds(), commit)

  const decode = (b64: unknown): Transaction | undefined => {
    if (typeof b64 !== 'string') return undefined
    try {
      const t = TransactionBuilder.fromXDR(b64, options.passphrase)
      return 'innerTransaction' in t ? undefined : t
    } catch {
      return undefined
    }
  }

  const callOf = (tx: Transaction) => {
    const op = tx.operations[0]
    if (tx.operations.length !== 1 || op?.type !== 'invokeHostFunction') return undefined
    return contractCallOf(op.func)
  }

  const methods: Record<string, (p: Record<string, unknown>) => unknown | Promise<unknown>> = {
    getHealth: () => ({
      status: 'healthy',
      latestLedger: ledger.sequence,
      oldestLedger: 1,
      ledgerRetentionWindow: 17280,
    }),
    getEvents: (p) => getEvents(defi, p, ledger),
    getNetwork: () => ({ passphrase: options.passphrase, protocolVersion: 23 }),
    getLatestLedger: () => ({
      id: hex(Buffer.alloc(32, ledger.sequence % 256)),
      protocolVersion: 23,
      sequence: ledger.sequence,
    }),
    getLedgerEntries: (p) => {
      const keys = Array.isArray(p.keys) ? p.keys : []
      const entries = keys.flatMap((k: unknown) => {
        if (typeof k !== 'string') return []
        const key = xdr.LedgerKey.fromXDR(k, 'base64')
        const row = contractDataRow(defi, k, key, ledger.sequence)
        if (row) return [row]
        if (key.type !== 'account') return []
        const id = StrKey.encodeEd25519PublicKey(key.value.accountId.value.toBytes())
        const a = ledger.account(id)
        if (!a) return []
        const entry = xdr.LedgerEntryData.account(
          new xdr.AccountEntry({
            accountId: Keypair.fromPublicKey(id).xdrPublicKey(),
            balance: a.native,
            seqNum: a.sequence,
            numSubEntries: a.trustlines.size + a.signers.length,
            inflationDest: null,
            flags: 0,
            homeDomain: '',
            thresholds: Uint8Array.of(a.masterWeight, a.thresholds.low, a.thresholds.med, a.thresholds.high),
            signers: [],
            ext: xdr.AccountEntryExt.v0(),
          }),
        )
        return [{ key: k, xdr: entry.toXDR('base64'), lastModifiedLedgerSeq: a.lastModifiedLedger }]
      })
      return { entries, latestLedger: ledger.sequence }
    },
    simulateTransaction: async (p) => {
      const tx = decode(p.transaction)
      if (!tx) throw new RpcError(-32602, 'invalid transaction')
      const call = callOf(tx)
      if (!call)
        return {
          error: 'only a single invokeContract operation is supported',
          latestLedger: ledger.sequence,
          events: [],
        }
      const viaDefi = await runDefiCall(call, baseAccountId(tx.source), false)
      if (viaDefi && !viaDefi.ok)
        return { error: `HostError: ${viaDefi.error}`, latestLedger: ledger.sequence, events: [] }
      let retval: xdr.ScVal
      let auth: string[] = []
      if (viaDefi) {
        retval = viaDefi.value
        auth = viaDefi.auth.map((a) => a.toXDR('base64'))
      } else {
        const out = contract.run(call, baseAccountId(tx.source), new Map(contract.balances))
        if (!out.ok) return { error: `HostError: ${out.error}`, latestLedger: ledger.sequence, events: [] }
        retval = scValue(out.value)
      }
      return {
        transactionData: new SorobanDataBuilder().setResourceFee(RESOURCE_FEE).build().toXDR('base64'),
        minResourceFee: RESOURCE_FEE.toString(),
        results: [{ auth, xdr: retval.toXDR('base64') }],
        events: [],
        latestLedger: ledger.sequence,
      }
    },
    sendTransaction: async (p) => {
      const tx = decode(p.transaction)
      if (!tx || typeof p.transaction !== 'string') throw new RpcError(-32602, 'invalid transaction')
      const hash = hex(tx.hash())
      const base = {
        hash,
        latestLedger: ledger.sequence,
        latestLedgerCloseTime: String(Math.floor(ledger.closedAt.getTime() / 1000)),
      }
      const reject = (r: xdr.TransactionResultResult) => ({
        ...base,
        status: 'ERROR',
        errorResultXdr: new xdr.TransactionResult({
          feeCharged: 0n,
          result: r,
          ext: xdr.TransactionResultExt.v0(),
        }).toXDR('base64'),
      })
      const source = ledger.account(tx.source)
      if (!source) return reject(xdr.TransactionResultResult.txNoAccount())
      if (BigInt(tx.sequence) !== source.sequence + 1n) return reject(xdr.TransactionResultResult.txBadSeq())
      // The same check Horizon's stand-in makes: a signature for another network or key is worthless.
      if (!new SignatureSet(tx.hash(), tx.signatures).authorises(source, 'med')) {
        return reject(xdr.TransactionResultResult.txBadAuth())
      }
      const call = callOf(tx)
      if (!call) return reject(xdr.TransactionResultResult.txMalformed())
      const fee = BigInt(tx.fee)
      if (source.native < fee) return reject(xdr.TransactionResultResult.txInsufficientBalance())
      source.sequence += 1n
      source.native -= fee
      let out: { ok: true; value: xdr.ScVal } | { ok: false; error: string }
      const op = tx.operations[0]
      const carried = op?.type === 'invokeHostFunction' ? (op.auth ?? []) : []
      const viaDefi = await applyDefi(defi, call, source.id, carried, nowSeconds(), ledger.sequence + 1)
      if (viaDefi) out = viaDefi
      else {
        const t = contract.run(call, source.id)
        out = t.ok ? { ok: true, value: scValue(t.value) } : t
      }
      const opResult = xdr.OperationResult.opInner(
        xdr.OperationResultTr.invokeHostFunction(
          out.ok
            ? xdr.InvokeHostFunctionResult.invokeHostFunctionSuccess(Buffer.alloc(32))
            : xdr.InvokeHostFunctionResult.invokeHostFunctionTrapped(),
        ),
      )
      const result = new xdr.TransactionResult({
        feeCharged: fee,
        result: out.ok
          ? xdr.TransactionResultResult.txSuccess([opResult])
          : xdr.TransactionResultResult.txFailed([opResult]),
        ext: xdr.TransactionResultExt.v0(),
      })
      const meta = xdr.TransactionMeta.v4(
        new xdr.TransactionMetaV4({
          ext: xdr.ExtensionPoint.v0(),
          txChangesBefore: [],
          operations: [],
          txChangesAfter: [],
          sorobanMeta: new xdr.SorobanTransactionMetaV2({
            ext: xdr.SorobanTransactionMetaExt.v0(),
            returnValue: out.ok ? out.value : null,
          }),
          events: [],
          diagnosticEvents: [],
        }),
      )
      txs.set(hash, { envelope: p.transaction, result, meta, ledger: ledger.sequence + 1, polled: false })
      return { ...base, status: 'PENDING' }
    },
    getTransaction: (p) => {
      const stored = typeof p.hash === 'string' ? txs.get(p.hash) : undefined
      const base = {
        latestLedger: ledger.sequence,
        latestLedgerCloseTime: String(Math.floor(ledger.closedAt.getTime() / 1000)),
        oldestLedger: 1,
        oldestLedgerCloseTime: '0',
      }
      // The first poll finds nothing yet, as when a transaction has not closed: clients must keep polling.
      if (!stored?.polled) {
        if (stored) stored.polled = true
        return { ...base, status: 'NOT_FOUND' }
      }
      return {
        ...base,
        status: stored.result.result.type === 'txSuccess' ? 'SUCCESS' : 'FAILED',
        txHash: p.hash,
        ledger: stored.ledger,
        createdAt: String(Math.floor(Date.now() / 1000)),
        applicationOrder: 1,
        feeBump: false,
        envelopeXdr: stored.envelope,
        resultXdr: stored.result.toXDR('base64'),
        resultMetaXdr: stored.meta.toXDR('base64'),
      }
    },
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    let id: unknown = null
    let reply: Record<string, unknown>
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        id?: unknown
        method?: unknown
        params?: unknown
      }
      id = body.id ?? null
      const method = typeof body.method === 'string' ? methods[body.method] : undefined
      if (!method) throw new RpcError(-32601, 'method not found')
      const params =
        body.params && typeof body.params === 'object' ? (body.params as Record<string, unknown>) : {}
      reply = { jsonrpc: '2.0', id, result: await method(params) }
    } catch (e) {
      const err = e instanceof RpcError ? e : new RpcError(-32700, 'parse error')
      reply = { jsonrpc: '2.0', id, error: { code: err.code, message: err.message } }
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(reply))
  }

  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    contract,
    defi,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((e) => (e ? reject(e) : resolve()))
      }),
  }
}

class RpcError extends Error {
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}
