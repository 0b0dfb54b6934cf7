/**
 * Horizon over plain fetch: the few reads and the submit the edge needs, each bounded in time and each
 * response parsed with zod against the shapes in horizon-schemas.ts (a stand-in or a real Horizon must both
 * fit them).
 */
import { z } from 'zod'
import { AppError } from '../../shared/errors.ts'
import type { NetworkConfig } from '../../shared/network.ts'
import {
  AccountSchema,
  AssetRecordSchema,
  FeeStatsSchema,
  type HorizonAccount,
  LedgerSchema,
  OfferSchema,
  OrderBookSchema,
  PageSchema,
  ProblemSchema,
  RootSchema,
  SubmitOkSchema,
  TradeSchema,
  TransactionRecordSchema,
} from './horizon-schemas.ts'
import { PaymentRecordSchema } from './payments.ts'

const DEFAULT_TIMEOUT_MS = 8_000

export type SubmitResult = {
  readonly hash: string
  readonly ledger: number
  readonly feeCharged: string | undefined
}

export class Horizon {
  readonly #base: string
  readonly #friendbot: string | undefined
  readonly #timeoutMs: number
  constructor(network: NetworkConfig, timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.#base = network.horizonUrl
    this.#friendbot = network.friendbotUrl
    this.#timeoutMs = timeoutMs
  }

  async #get(path: string): Promise<Response> {
    try {
      return await fetch(`${this.#base}${path}`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
      })
    } catch (e) {
      throw upstreamError(e, 'Horizon')
    }
  }

  async #getJson<T extends z.ZodType>(path: string, schema: T, what: string): Promise<z.infer<T>> {
    const res = await this.#get(path)
    if (res.status === 400 || res.status === 404)
      throw new AppError('ERR_TOOL_INPUT', `Horizon could not answer that ${what} query (${res.status})`)
    if (!res.ok)
      throw new AppError('ERR_UPSTREAM_UNAVAILABLE', 'Horizon is unavailable', `GET ${what}: ${res.status}`)
    return parse(schema, await res.json(), what)
  }

  /** Network status: the root resource (latest ledger, passphrase, versions). */
  root() {
    return this.#getJson('/', RootSchema, 'root')
  }

  /** The network's base reserve, from the latest ledger (stroops). */
  async baseReserveStroops(): Promise<bigint> {
    const page = await this.#getJson('/ledgers?order=desc&limit=1', PageSchema(LedgerSchema), 'ledgers')
    const latest = page._embedded.records[0]
    if (!latest) throw new AppError('ERR_UPSTREAM_UNAVAILABLE', 'Horizon returned no ledger')
    return BigInt(latest.base_reserve_in_stroops)
  }

  feeStats() {
    return this.#getJson('/fee_stats', FeeStatsSchema, 'fee stats')
  }

  /** `selling`/`buying` are Horizon query fragments (see build-tx.ts assetQuery). */
  orderBook(query: Record<string, string>, limit = 20) {
    const q = new URLSearchParams({ ...query, limit: String(limit) })
    return this.#getJson(`/order_book?${q}`, OrderBookSchema, 'order book')
  }

  async trades(query: Record<string, string>, limit = 20) {
    const q = new URLSearchParams({ ...query, limit: String(limit), order: 'desc' })
    return (await this.#getJson(`/trades?${q}`, PageSchema(TradeSchema), 'trades'))._embedded.records
  }

  async assets(code: string, issuer: string | undefined) {
    const q = new URLSearchParams({ asset_code: code, limit: '10' })
    if (issuer) q.set('asset_issuer', issuer)
    return (await this.#getJson(`/assets?${q}`, PageSchema(AssetRecordSchema), 'assets'))._embedded.records
  }

  async offers(publicKey: string) {
    const path = `/accounts/${encodeURIComponent(publicKey)}/offers?limit=100`
    const res = await this.#get(path)
    if (res.status === 404) return []
    if (!res.ok)
      throw new AppError('ERR_UPSTREAM_UNAVAILABLE', 'Horizon is unavailable', `GET offers: ${res.status}`)
    return parse(PageSchema(OfferSchema), await res.json(), 'offers')._embedded.records
  }

  /** The account, or undefined when it does not exist on the ledger (not yet funded). */
  async account(publicKey: string): Promise<HorizonAccount | undefined> {
    const res = await this.#get(`/accounts/${encodeURIComponent(publicKey)}`)
    if (res.status === 404) return undefined
    if (!res.ok)
      throw new AppError('ERR_UPSTREAM_UNAVAILABLE', 'Horizon is unavailable', `GET account: ${res.status}`)
    return parse(AccountSchema, await res.json(), 'account')
  }

  /** An account's history (`transactions` or `payments`); an account not on the ledger has none. */
  async #history<T extends z.ZodType>(
    publicKey: string,
    kind: 'transactions' | 'payments',
    record: T,
    opts: { limit: number; cursor?: string | undefined; order: 'asc' | 'desc' },
  ): Promise<z.infer<T>[]> {
    const q = new URLSearchParams({ limit: String(opts.limit), order: opts.order })
    if (opts.cursor) q.set('cursor', opts.cursor)
    const res = await this.#get(`/accounts/${encodeURIComponent(publicKey)}/${kind}?${q}`)
    if (res.status === 404) return []
    if (!res.ok)
      throw new AppError('ERR_UPSTREAM_UNAVAILABLE', 'Horizon is unavailable', `GET ${kind}: ${res.status}`)
    const page = parse(PageSchema(z.unknown()), await res.json(), kind)
    return page._embedded.records.map((r) => parse(record, r, kind))
  }

  transactions(
    publicKey: string,
    opts: { limit: number; cursor?: string | undefined; order: 'asc' | 'desc' },
  ) {
    return this.#history(publicKey, 'transactions', TransactionRecordSchema, opts)
  }

  /** Payments, account creations, path payments and merges that touched the account (payment-view.ts). */
  payments(publicKey: string, opts: { limit: number; cursor?: string | undefined; order: 'asc' | 'desc' }) {
    return this.#history(publicKey, 'payments', PaymentRecordSchema, opts)
  }

  /** Testnet/custom only: asks friendbot to create and fund the account. */
  async fund(publicKey: string): Promise<{ hash: string | undefined }> {
    if (!this.#friendbot)
      throw new AppError(
        'ERR_NETWORK_UNSUPPORTED',
        'funding with friendbot is only available on test networks',
      )
    let res: Response
    try {
      res = await fetch(`${this.#friendbot}?addr=${encodeURIComponent(publicKey)}`, {
        signal: AbortSignal.timeout(this.#timeoutMs * 2),
      })
    } catch (e) {
      throw upstreamError(e, 'friendbot')
    }
    const body: unknown = await res.json().catch(() => ({}))
    if (!res.ok) {
      const problem = ProblemSchema.safeParse(body)
      const ops = problem.success ? (problem.data.extras?.result_codes?.operations ?? []) : []
      if (
        ops.includes('op_already_exists') ||
        /already/i.test(problem.success ? (problem.data.detail ?? '') : '')
      ) {
        throw new AppError('ERR_ACCOUNT_EXISTS', 'this account is already funded')
      }
      throw new AppError(
        'ERR_UPSTREAM_UNAVAILABLE',
        'friendbot could not fund the account',
        `friendbot: ${res.status}`,
      )
    }
    const hash = typeof body === 'object' && body !== null ? (body as { hash?: unknown }).hash : undefined
    return { hash: typeof hash === 'string' ? hash : undefined }
  }

  /** Submits a signed envelope; a rejected one throws ERR_TX_SUBMIT_FAILED with Horizon's result codes. */
  async submit(xdr: string): Promise<SubmitResult> {
    let res: Response
    try {
      res = await fetch(`${this.#base}/transactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ tx: xdr }).toString(),
        signal: AbortSignal.timeout(this.#timeoutMs * 4),
      })
    } catch (e) {
      throw upstreamError(e, 'Horizon')
    }
    const body: unknown = await res.json().catch(() => undefined)
    if (res.ok) {
      const ok = parse(SubmitOkSchema, body, 'submit')
      return {
        hash: ok.hash,
        ledger: ok.ledger,
        feeCharged: ok.fee_charged === undefined ? undefined : String(ok.fee_charged),
      }
    }
    const problem = ProblemSchema.safeParse(body)
    if (res.status >= 500 || !problem.success) {
      throw new AppError('ERR_UPSTREAM_UNAVAILABLE', 'Horizon is unavailable', `submit: ${res.status}`)
    }
    const codes = problem.data.extras?.result_codes
    const summary = [codes?.transaction, ...(codes?.operations ?? [])].filter(Boolean).join(', ')
    throw new AppError(
      'ERR_TX_SUBMIT_FAILED',
      `the network rejected the transaction${summary ? ` (${summary})` : ''}`,
    )
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(body)
  if (!r.success)
    throw new AppError(
      'ERR_UPSTREAM_UNAVAILABLE',
      'Horizon gave an unexpected answer',
      `${what}: shape mismatch`,
    )
  return r.data
}

function upstreamError(e: unknown, who: string): AppError {
  const timeout = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')
  return timeout
    ? new AppError('ERR_UPSTREAM_TIMEOUT', `${who} did not answer in time`)
    : new AppError('ERR_UPSTREAM_UNAVAILABLE', `${who} is unreachable`)
}
