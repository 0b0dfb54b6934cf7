/**
 * Horizon over plain fetch: the few reads and the submit the edge needs, each bounded in time and each
 * response parsed with zod (a stand-in or a real Horizon must both fit these shapes).
 */
import { z } from 'zod'
import { AppError } from '../../shared/errors.ts'
import type { NetworkConfig } from '../../shared/network.ts'

const DEFAULT_TIMEOUT_MS = 8_000

export const BalanceSchema = z
  .object({
    balance: z.string(),
    asset_type: z.string(),
    asset_code: z.string().optional(),
    asset_issuer: z.string().optional(),
    limit: z.string().optional(),
    is_authorized: z.boolean().optional(),
  })
  .loose()
export type HorizonBalance = z.infer<typeof BalanceSchema>

const AccountSchema = z
  .object({
    account_id: z.string(),
    sequence: z.string(),
    subentry_count: z.number(),
    balances: z.array(BalanceSchema),
  })
  .loose()
export type HorizonAccount = z.infer<typeof AccountSchema>

const TransactionRecordSchema = z
  .object({
    id: z.string(),
    hash: z.string(),
    ledger: z.number().optional(),
    created_at: z.string(),
    source_account: z.string(),
    successful: z.boolean(),
    fee_charged: z.union([z.string(), z.number()]).optional(),
    operation_count: z.number().optional(),
    memo: z.string().optional(),
    memo_type: z.string().optional(),
    paging_token: z.string().optional(),
  })
  .loose()
const PageSchema = <T extends z.ZodType>(record: T) =>
  z.object({ _embedded: z.object({ records: z.array(record) }).loose() }).loose()

const SubmitOkSchema = z
  .object({
    hash: z.string(),
    ledger: z.number(),
    successful: z.boolean().optional(),
    fee_charged: z.union([z.string(), z.number()]).optional(),
  })
  .loose()
const ProblemSchema = z
  .object({
    title: z.string().optional(),
    detail: z.string().optional(),
    extras: z
      .object({
        result_codes: z
          .object({ transaction: z.string().optional(), operations: z.array(z.string()).optional() })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
  })
  .loose()

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

  /** The account, or undefined when it does not exist on the ledger (not yet funded). */
  async account(publicKey: string): Promise<HorizonAccount | undefined> {
    const res = await this.#get(`/accounts/${encodeURIComponent(publicKey)}`)
    if (res.status === 404) return undefined
    if (!res.ok)
      throw new AppError('ERR_UPSTREAM_UNAVAILABLE', 'Horizon is unavailable', `GET account: ${res.status}`)
    return parse(AccountSchema, await res.json(), 'account')
  }

  async transactions(
    publicKey: string,
    opts: { limit: number; cursor?: string | undefined; order: 'asc' | 'desc' },
  ) {
    const q = new URLSearchParams({ limit: String(opts.limit), order: opts.order })
    if (opts.cursor) q.set('cursor', opts.cursor)
    const res = await this.#get(`/accounts/${encodeURIComponent(publicKey)}/transactions?${q}`)
    if (res.status === 404) return []
    if (!res.ok)
      throw new AppError(
        'ERR_UPSTREAM_UNAVAILABLE',
        'Horizon is unavailable',
        `GET transactions: ${res.status}`,
      )
    return parse(PageSchema(TransactionRecordSchema), await res.json(), 'transactions')._embedded.records
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
