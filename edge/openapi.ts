/**
 * The OpenAPI 3.1 document, generated from the zod schemas the routes use (z.toJSONSchema), so the
 * description cannot drift from the validation. Each route lists its body, params, query and response.
 */
import { z } from 'zod'
import { ErrorBodySchema } from '../shared/errors.ts'
import {
  AccountIdParamSchema,
  AccountViewSchema,
  AgentAccountBodySchema,
  CreateAccountBodySchema,
  DeleteAccountBodySchema,
  ExportAccountBodySchema,
  ExportResultSchema,
  ImportAccountBodySchema,
  PaymentViewSchema,
  SubmitResultSchema,
  SubmitSignedBodySchema,
  TransactionsQuerySchema,
  TransactionViewSchema,
} from '../shared/schemas/api.ts'
import { AccountSchema, AccountsDeleteResultSchema } from '../shared/schemas/signer-rpc.ts'
import { CHAT_DOCS } from './agent/route-docs.ts'
import { APPROVAL_DOCS } from './approvals/route-docs.ts'
import { AUTH_DOCS } from './auth/route-docs.ts'
import { POSITIONS_DOCS } from './defi/route-docs.ts'
import { ATTESTATION_DOCS } from './routes/attestation.ts'
import { VERSION } from './routes/health.ts'
import { NETWORK_DOCS } from './routes/network.ts'

export type RouteDoc = {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete'
  readonly path: string
  readonly summary: string
  readonly auth: 'none' | 'session' | 'fresh-passkey'
  readonly body?: z.ZodType
  readonly params?: z.ZodObject
  readonly query?: z.ZodObject
  readonly response?: z.ZodType
  readonly tag: string
}

const account = '/api/accounts/{id}'

export const ROUTE_DOCS: RouteDoc[] = [
  ...APPROVAL_DOCS,
  ...NETWORK_DOCS,
  ...ATTESTATION_DOCS,
  {
    method: 'get',
    path: '/health',
    summary: 'Status and whether the signer is trusted; signed-in callers also get why not and what it runs',
    auth: 'none',
    tag: 'health',
  },
  ...AUTH_DOCS,
  ...POSITIONS_DOCS,
  {
    method: 'get',
    path: '/api/accounts',
    summary: 'Your accounts with live balances',
    auth: 'session',
    response: z.object({ accounts: z.array(AccountViewSchema) }),
    tag: 'accounts',
  },
  {
    method: 'post',
    path: '/api/accounts',
    summary: 'Create an account (key made in the signer)',
    auth: 'session',
    body: CreateAccountBodySchema,
    response: AccountSchema,
    tag: 'accounts',
  },
  {
    method: 'post',
    path: '/api/accounts/import',
    summary:
      'Import a secret seed, HPKE-sealed in the browser to the attested signer key (the edge sees ciphertext)',
    auth: 'fresh-passkey',
    body: ImportAccountBodySchema,
    response: AccountSchema,
    tag: 'accounts',
  },
  {
    method: 'get',
    path: account,
    summary: 'One account with balances',
    auth: 'session',
    params: AccountIdParamSchema,
    response: AccountViewSchema,
    tag: 'accounts',
  },
  {
    method: 'get',
    path: `${account}/transactions`,
    summary: 'Recent transactions from Horizon',
    auth: 'session',
    params: AccountIdParamSchema,
    query: TransactionsQuerySchema,
    response: z.object({ accountId: z.string(), transactions: z.array(TransactionViewSchema) }),
    tag: 'accounts',
  },
  {
    method: 'get',
    path: `${account}/payments`,
    summary: 'Recent payments from Horizon, as this account saw them (sent or received, amount, other party)',
    auth: 'session',
    params: AccountIdParamSchema,
    query: TransactionsQuerySchema,
    response: z.object({ accountId: z.string(), payments: z.array(PaymentViewSchema) }),
    tag: 'accounts',
  },
  {
    method: 'post',
    path: `${account}/fund`,
    summary: 'Fund with friendbot (testnet/custom only)',
    auth: 'session',
    params: AccountIdParamSchema,
    tag: 'accounts',
  },
  {
    method: 'post',
    path: `${account}/export`,
    summary:
      "Reveal the secret seed, sealed (HPKE) to the browser's ephemeral key: the edge relays ciphertext",
    auth: 'fresh-passkey',
    params: AccountIdParamSchema,
    body: ExportAccountBodySchema,
    response: ExportResultSchema,
    tag: 'accounts',
  },
  {
    method: 'delete',
    path: account,
    summary:
      "Delete the account and its key; needs the user's proof for {method: 'accounts.delete', accountId}",
    auth: 'fresh-passkey',
    params: AccountIdParamSchema,
    body: DeleteAccountBodySchema,
    response: AccountsDeleteResultSchema,
    tag: 'accounts',
  },
  {
    method: 'get',
    path: '/api/agent/accounts',
    summary: 'Accounts of kind agent',
    auth: 'session',
    response: z.object({ accounts: z.array(AccountViewSchema) }),
    tag: 'accounts',
  },
  {
    method: 'post',
    path: '/api/agent/accounts',
    summary: 'Create an agent account',
    auth: 'session',
    body: AgentAccountBodySchema,
    response: AccountSchema,
    tag: 'accounts',
  },
  {
    method: 'post',
    path: '/api/transactions/submit-signed',
    summary: 'Submit a transaction signed in an external wallet',
    auth: 'session',
    body: SubmitSignedBodySchema,
    response: SubmitResultSchema,
    tag: 'transactions',
  },
  ...CHAT_DOCS,
]

/** Hono's `/a/:id{regex}` → OpenAPI's `/a/{id}`; a trailing slash of a mounted `/` route dropped. */
export const openApiPath = (honoPath: string): string =>
  honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}').replace(/(.)\/$/, '$1')

const jsonSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })

function parameters(doc: RouteDoc) {
  const out: Record<string, unknown>[] = []
  for (const [where, schema] of [
    ['path', doc.params],
    ['query', doc.query],
  ] as const) {
    if (!schema) continue
    for (const [name, field] of Object.entries(schema.shape)) {
      out.push({
        name,
        in: where,
        required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
        schema: jsonSchema(field as z.ZodType),
      })
    }
  }
  return out
}

export function buildOpenApi() {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const doc of ROUTE_DOCS) {
    const security = doc.auth === 'none' ? [] : [{ session: [] }, { bearer: [] }]
    paths[doc.path] ??= {}
    const entry = paths[doc.path] as Record<string, unknown>
    entry[doc.method] = {
      summary: doc.summary,
      tags: [doc.tag],
      security,
      ...(doc.auth === 'fresh-passkey'
        ? { description: 'Needs a passkey assertion from the last 5 minutes (POST /auth/reauth/*).' }
        : {}),
      parameters: parameters(doc),
      ...(doc.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(doc.body) } },
            },
          }
        : {}),
      responses: {
        '200': {
          description: 'OK',
          ...(doc.response ? { content: { 'application/json': { schema: jsonSchema(doc.response) } } } : {}),
        },
        default: {
          description: 'Error',
          content: { 'application/json': { schema: jsonSchema(ErrorBodySchema) } },
        },
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tuxedo edge API', version: VERSION },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'tuxedo_session' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    },
    paths,
  }
}
