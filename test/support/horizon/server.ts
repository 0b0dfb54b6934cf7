/**
 * The Horizon stand-in: a loopback `node:http` server speaking Horizon's REST shapes over an in-memory ledger.
 * Tests and `npm run dev:local` start it with `startHorizon`; the edge reaches it through stellar-sdk's
 * `Horizon.Server` or plain fetch, and cannot tell it from Horizon for the routes it implements.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Account, Keypair, Operation, StrKey, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { envelopeFrom, isProblem, ok, page, problem, type Reply, readBody } from './http.ts'
import { type HistoryEntry, StandInLedger } from './ledger.ts'
import { offerRecord, orderBook, tradeRecord } from './market-records.ts'
import { badRequest, injected, malformed, notFound, transactionFailed } from './problems.ts'
import { accountRecord, feeStats, ledgerRecord, rootRecord, transactionLinks } from './records.ts'
import { type AssetRef, assetFields, assetFromQuery, assetKey, wireAmount } from './state.ts'
import { decodeEnvelope } from './submit.ts'

export type HorizonOptions = {
  readonly passphrase: string
  readonly port?: number
  readonly baseReserveStroops?: bigint
  /** Decimal string; what friendbot gives a new account. */
  readonly friendbotStartingBalance?: string
  readonly now?: () => number
}

export type HorizonStandIn = {
  readonly url: string
  readonly ledger: StandInLedger
  readonly friendbotUrl: string
  close(): Promise<void>
}

export async function startHorizon(options: HorizonOptions): Promise<HorizonStandIn> {
  const baseReserve = options.baseReserveStroops ?? 5_000_000n
  const ledger = new StandInLedger({
    passphrase: options.passphrase,
    baseReserveStroops: baseReserve,
    now: options.now ?? Date.now,
  })
  // Friendbot is an ordinary account that signs ordinary create_account transactions.
  const friendbot = Keypair.random()
  const seedFriendbot = () => ledger.createAccount(friendbot.publicKey(), '100000000000')
  seedFriendbot()
  const resetLedger = ledger.reset.bind(ledger)
  ledger.reset = () => {
    resetLedger()
    seedFriendbot()
  }

  const fund = (addr: string | null, serverUrl: string): Reply => {
    if (!addr || !StrKey.isValidEd25519PublicKey(addr)) return problem(badRequest('invalid address', 'addr'))
    const fb = ledger.account(friendbot.publicKey())
    if (!fb) return problem(badRequest('friendbot is not funded'))
    const tx = new TransactionBuilder(new Account(fb.id, fb.sequence.toString()), {
      fee: '100',
      networkPassphrase: options.passphrase,
    })
      .addOperation(
        Operation.createAccount({
          destination: addr,
          startingBalance: options.friendbotStartingBalance ?? '10000',
        }),
      )
      .setTimeout(0)
      .build()
    tx.sign(friendbot)
    return submitEnvelope(tx.toEnvelope().toXDR('base64'), serverUrl)
  }

  const submitEnvelope = (envelope: string, url: string): Reply => {
    try {
      decodeEnvelope(envelope, options.passphrase)
    } catch {
      return problem(malformed(envelope))
    }
    const v = ledger.submit(envelope)
    if (v.applied) {
      const entry = ledger.transactions.find((t) => t.record.hash === v.hash)
      return ok(entry && transactionLinks(url, entry.record))
    }
    return problem(transactionFailed(envelope, v.resultXdr, v.code, v.opCodes))
  }

  /** As Horizon: a failed transaction (and its operations) is listed only with `include_failed=true`. */
  const accountHistory = (url: URL, id: string, list: readonly HistoryEntry[]) => {
    if (!ledger.account(id)) return problem(notFound())
    const failedToo = url.searchParams.get('include_failed') === 'true'
    const succeeded = (e: HistoryEntry) => (e.record.successful ?? e.record.transaction_successful) !== false
    const r = page(
      url,
      list.filter((e) => e.accounts.has(id) && (failedToo || succeeded(e))),
    )
    return isProblem(r) ? problem(r) : r
  }

  const base = (url: URL) => url.origin
  const txEntries = (url: URL): HistoryEntry[] =>
    ledger.transactions.map((e) => ({ ...e, record: transactionLinks(base(url), e.record) }))

  const route = async (req: IncomingMessage, url: URL): Promise<Reply> => {
    const path = url.pathname.replace(/\/+$/, '') || '/'
    const parts = path.split('/').filter(Boolean)
    const q = url.searchParams
    if (req.method === 'POST' && path === '/transactions') {
      const envelope = envelopeFrom(await readBody(req), req.headers['content-type'])
      if (!envelope) return problem(badRequest('tx is required', 'tx'))
      return submitEnvelope(envelope, base(url))
    }
    if (req.method !== 'GET') return problem(notFound())
    if (path === '/') return ok(rootRecord(options.passphrase, ledger.sequence, ledger.closedAt))
    if (path === '/friendbot') return fund(q.get('addr'), base(url))
    if (parts[0] === 'accounts' && parts[1]) {
      const id = parts[1]
      const a = ledger.account(id)
      if (parts.length === 2) return a ? ok(accountRecord(ledger.world, a, base(url))) : problem(notFound())
      if (parts[2] === 'transactions') return accountHistory(url, id, txEntries(url))
      if (parts[2] === 'operations') return accountHistory(url, id, ledger.operations)
      if (parts[2] === 'payments') {
        const payments = ledger.operations.filter((e) =>
          [
            'payment',
            'create_account',
            'path_payment_strict_send',
            'path_payment_strict_receive',
            'account_merge',
          ].includes(String(e.record.type)),
        )
        return accountHistory(url, id, payments)
      }
      if (parts[2] === 'offers') {
        if (!a) return problem(notFound())
        const offers = [...ledger.world.offers.values()]
          .filter((o) => o.seller === id)
          .map((o) => ({ pagingToken: o.id, record: offerRecord(o) }))
        const r = page(url, offers)
        return isProblem(r) ? problem(r) : r
      }
    }
    if (parts[0] === 'transactions' && parts.length === 1) {
      const r = page(url, txEntries(url))
      return isProblem(r) ? problem(r) : r
    }
    if (parts[0] === 'transactions' && parts[1]) {
      const entry = ledger.transactions.find((t) => t.record.hash === parts[1])
      if (!entry) return problem(notFound())
      if (parts[2] === 'operations') {
        const r = page(
          url,
          ledger.operations.filter((o) => o.record.transaction_hash === parts[1]),
        )
        return isProblem(r) ? problem(r) : r
      }
      return ok(transactionLinks(base(url), entry.record))
    }
    if (path === '/order_book') {
      const selling = assetFromQuery(q, 'selling')
      const buying = assetFromQuery(q, 'buying')
      if (!selling) return problem(badRequest('selling asset is invalid', 'selling_asset_type'))
      if (!buying) return problem(badRequest('buying asset is invalid', 'buying_asset_type'))
      return ok(orderBook(ledger.world, selling, buying, Number(q.get('limit') ?? '20')))
    }
    if (path === '/trades' || (parts[0] === 'accounts' && parts[2] === 'trades')) {
      const who = parts[0] === 'accounts' ? parts[1] : undefined
      const entries = ledger.world.trades
        .filter((t) => !who || t.maker === who || t.taker === who)
        .map((t) => ({
          pagingToken: (BigInt(t.ledger) << 32n) + BigInt(t.index),
          record: tradeRecord(t, ledger.closedAt),
        }))
      const r = page(url, entries)
      return isProblem(r) ? problem(r) : r
    }
    if (path === '/fee_stats') return ok(feeStats(ledger.sequence))
    if (path === '/ledgers') {
      const entries = Array.from({ length: ledger.sequence }, (_, i) => ({
        pagingToken: BigInt(i + 1) << 32n,
        record: ledgerRecord(i + 1, ledger.closedAt, 0, baseReserve),
      }))
      const r = page(url, entries)
      return isProblem(r) ? problem(r) : r
    }
    if (path === '/assets') return assets(url)
    return problem(notFound())
  }

  const assets = (url: URL): Reply => {
    const code = url.searchParams.get('asset_code')
    const issuer = url.searchParams.get('asset_issuer')
    const byKey = new Map<string, { asset: AssetRef; holders: number; supply: bigint }>()
    for (const a of ledger.world.accounts.values()) {
      for (const l of a.trustlines.values()) {
        const asset: AssetRef = { type: 'credit', code: l.code, issuer: l.issuer }
        const e = byKey.get(assetKey(asset)) ?? { asset, holders: 0, supply: 0n }
        e.holders++
        e.supply += l.balance
        byKey.set(assetKey(asset), e)
      }
    }
    const list = [...byKey.values()]
      .filter(
        (e) =>
          e.asset.type === 'credit' &&
          (!code || e.asset.code === code) &&
          (!issuer || e.asset.issuer === issuer),
      )
      .map((e, i) => ({
        pagingToken: BigInt(i + 1),
        record: {
          ...assetFields(e.asset),
          paging_token: `${assetKey(e.asset)}_credit`,
          accounts: { authorized: e.holders, authorized_to_maintain_liabilities: 0, unauthorized: 0 },
          balances: {
            authorized: wireAmount(e.supply),
            authorized_to_maintain_liabilities: '0.0000000',
            unauthorized: '0.0000000',
          },
          num_claimable_balances: 0,
          num_contracts: 0,
          num_liquidity_pools: 0,
          claimable_balances_amount: '0.0000000',
          contracts_amount: '0.0000000',
          liquidity_pools_amount: '0.0000000',
          flags: {
            auth_required: false,
            auth_revocable: false,
            auth_immutable: false,
            auth_clawback_enabled: false,
          },
        },
      }))
    const r = page(url, list)
    return isProblem(r) ? problem(r) : r
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (ledger.latencyMs > 0) await new Promise((r) => setTimeout(r, ledger.latencyMs))
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`)
    const failure = ledger.takeFailure()
    let reply: Reply
    try {
      reply = failure ? problem(injected(failure.status)) : await route(req, url)
    } catch (e) {
      reply = problem(injected(500))
      console.error('horizon stand-in:', e)
    }
    const isProblemReply = reply.status >= 400
    res.writeHead(reply.status, {
      'content-type': isProblemReply
        ? 'application/problem+json; charset=utf-8'
        : 'application/hal+json; charset=utf-8',
      'access-control-allow-origin': '*',
      ...(reply.status === 429 ? { 'retry-after': '1' } : {}),
    })
    res.end(JSON.stringify(reply.body))
  }

  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    ledger,
    friendbotUrl: `${url}/friendbot`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((e) => (e ? reject(e) : resolve()))
      }),
  }
}
