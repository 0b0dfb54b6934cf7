/**
 * The accounts API. Keys live in the signer; this router asks it, scoped by the signed-in user, and
 * adds live balances from Horizon. Another user's account id answers exactly like a missing one because
 * the signer scopes every query by user id. Secrets enter only through /import and leave only through
 * /export, and a key is destroyed only through DELETE /:id: each behind a fresh passkey assertion that the
 * edge checks (requireFreshAuth) and relays as `proof` to the signer, which checks it again against the
 * operation it was made for (the sealed payload's digest; the account and recipient key; the account to
 * delete); import and export are HPKE-sealed between the browser and the attested signer
 * (shared/seed-seal.ts): this router relays ciphertext it has no key to open; neither is ever logged.
 */
import { Hono } from 'hono'
import {
  AccountIdParamSchema,
  type AccountView,
  AgentAccountBodySchema,
  CreateAccountBodySchema,
  DeleteAccountBodySchema,
  ExportAccountBodySchema,
  ImportAccountBodySchema,
  TransactionsQuerySchema,
} from '../../shared/schemas/api.ts'
import type { Account } from '../../shared/schemas/signer-rpc.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { callerOf, requireFreshAuth, requireUser } from '../middleware/session.ts'
import type { Horizon } from '../stellar/horizon.ts'
import type { HorizonBalance } from '../stellar/horizon-schemas.ts'
import { paymentView } from '../stellar/payments.ts'
import type { AppEnv } from '../types.ts'
import { optionalJson, validate } from '../validation.ts'

const read = rateLimit(['read'], { failClosed: false })
/** Creating, importing, exporting, deleting and funding touch keys or money: fail closed. */
const money = rateLimit(['money'], { failClosed: true })

const balanceView = (b: HorizonBalance) => ({
  asset: b.asset_type === 'native' ? 'native' : `${b.asset_code ?? '?'}:${b.asset_issuer ?? '?'}`,
  balance: b.balance,
  ...(b.limit !== undefined ? { limit: b.limit } : {}),
})

async function withBalances(horizon: Horizon, account: Account): Promise<AccountView> {
  try {
    const onLedger = await horizon.account(account.publicKey)
    return {
      ...account,
      funded: onLedger !== undefined,
      balances: onLedger ? onLedger.balances.map(balanceView) : [],
    }
  } catch {
    // Horizon being down must not hide the user's accounts: say we could not ask.
    return { ...account, funded: null, balances: null }
  }
}

const signerFor = (c: { var: AppEnv['Variables'] }) => c.var.services.signer

export const accounts = new Hono<AppEnv>()
  .get('/', read, requireUser(), async (c) => {
    const { userId } = callerOf(c)
    const { accounts: list } = await signerFor(c)('accounts.list', userId, {})
    const horizon = c.var.services.horizon
    return c.json({ accounts: await Promise.all(list.map((a) => withBalances(horizon, a))) })
  })
  .post('/', money, requireUser(), validate('json', CreateAccountBodySchema), async (c) => {
    const { userId } = callerOf(c)
    const body = c.req.valid('json')
    const account = await signerFor(c)('accounts.create', userId, {
      kind: body.kind,
      ...(body.name ? { name: body.name } : {}),
    })
    return c.json(account, 201)
  })
  .post('/import', money, requireFreshAuth(), validate('json', ImportAccountBodySchema), async (c) => {
    const { userId } = callerOf(c)
    const body = c.req.valid('json')
    const account = await signerFor(c)('accounts.import', userId, {
      sealed: body.sealed,
      ...(body.name ? { name: body.name } : {}),
      ...(body.proof ? { proof: body.proof } : {}),
    })
    return c.json(account, 201)
  })
  .get('/:id', read, requireUser(), validate('param', AccountIdParamSchema), async (c) => {
    const { userId } = callerOf(c)
    const account = await signerFor(c)('accounts.get', userId, { accountId: c.req.valid('param').id })
    return c.json(await withBalances(c.var.services.horizon, account))
  })
  .get(
    '/:id/transactions',
    read,
    requireUser(),
    validate('param', AccountIdParamSchema),
    validate('query', TransactionsQuerySchema),
    async (c) => {
      const { userId } = callerOf(c)
      const account = await signerFor(c)('accounts.get', userId, { accountId: c.req.valid('param').id })
      const q = c.req.valid('query')
      const records = await c.var.services.horizon.transactions(account.publicKey, q)
      return c.json({
        accountId: account.accountId,
        transactions: records.map((r) => ({
          hash: r.hash,
          ...(r.ledger !== undefined ? { ledger: r.ledger } : {}),
          createdAt: r.created_at,
          sourceAccount: r.source_account,
          successful: r.successful,
          ...(r.fee_charged !== undefined ? { feeCharged: String(r.fee_charged) } : {}),
          ...(r.operation_count !== undefined ? { operationCount: r.operation_count } : {}),
          ...(r.paging_token !== undefined ? { pagingToken: r.paging_token } : {}),
        })),
      })
    },
  )
  // What moved, in amounts: the activity list's lines ("Sent 10 XLM to G…"), beside the transactions above.
  .get(
    '/:id/payments',
    read,
    requireUser(),
    validate('param', AccountIdParamSchema),
    validate('query', TransactionsQuerySchema),
    async (c) => {
      const { userId } = callerOf(c)
      const account = await signerFor(c)('accounts.get', userId, { accountId: c.req.valid('param').id })
      const records = await c.var.services.horizon.payments(account.publicKey, c.req.valid('query'))
      return c.json({
        accountId: account.accountId,
        payments: records.flatMap((r) => paymentView(r, account.publicKey) ?? []),
      })
    },
  )
  .post('/:id/fund', money, requireUser(), validate('param', AccountIdParamSchema), async (c) => {
    const { userId } = callerOf(c)
    const account = await signerFor(c)('accounts.get', userId, { accountId: c.req.valid('param').id })
    const { hash } = await c.var.services.horizon.fund(account.publicKey)
    return c.json({
      accountId: account.accountId,
      publicKey: account.publicKey,
      funded: true,
      ...(hash ? { hash } : {}),
    })
  })
  .post(
    '/:id/export',
    money,
    requireFreshAuth(),
    validate('param', AccountIdParamSchema),
    validate('json', ExportAccountBodySchema),
    async (c) => {
      const { userId } = callerOf(c)
      const { recipientPublicKey, proof } = c.req.valid('json')
      const exported = await signerFor(c)('accounts.export', userId, {
        accountId: c.req.valid('param').id,
        recipientPublicKey,
        ...(proof ? { proof } : {}),
      })
      c.header('Cache-Control', 'no-store')
      return c.json(exported)
    },
  )
  // Destroying a key is the user's alone: the signer checks the relayed proof names this account and this
  // operation. No body reaches the signer as "no proof", which it refuses (ERR_USER_PROOF_REQUIRED).
  .delete('/:id', money, requireFreshAuth(), validate('param', AccountIdParamSchema), async (c) => {
    const { userId } = callerOf(c)
    const { proof } = await optionalJson(c.req.raw, DeleteAccountBodySchema)
    return c.json(
      await signerFor(c)('accounts.delete', userId, {
        accountId: c.req.valid('param').id,
        ...(proof ? { proof } : {}),
      }),
    )
  })

/** The original deployment guide's agent-account routes: accounts of kind "agent". */
export const agentAccounts = new Hono<AppEnv>()
  .get('/', read, requireUser(), async (c) => {
    const { userId } = callerOf(c)
    const { accounts: list } = await signerFor(c)('accounts.list', userId, {})
    const horizon = c.var.services.horizon
    return c.json({
      accounts: await Promise.all(
        list.filter((a) => a.kind === 'agent').map((a) => withBalances(horizon, a)),
      ),
    })
  })
  .post('/', money, requireUser(), validate('json', AgentAccountBodySchema), async (c) => {
    const { userId } = callerOf(c)
    const account = await signerFor(c)('accounts.create', userId, {
      kind: 'agent',
      name: c.req.valid('json').account_name,
    })
    return c.json(account, 201)
  })
