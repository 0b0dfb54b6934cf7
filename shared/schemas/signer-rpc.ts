/**
 * The edge↔signer wire contract: the request envelope, the response union and every method's params and
 * result. Both sides parse with these schemas (the signer trusts nothing the edge already checked).
 * Web APIs only: this file runs in workerd as well as Node.
 */
import { z } from 'zod'
import { ErrorCodeSchema } from '../errors.ts'
import { SecretSeedSchema, StellarAccountIdSchema } from './stellar.ts'

/** How far `issuedAt` may be from the signer's clock before a request is refused as stale. */
export const SIGNER_MAX_CLOCK_SKEW_MS = 60_000

export const SignerRequestIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,128}$/, 'requestId must be 8–128 characters of [A-Za-z0-9_-]')
export const SignerUserIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_:.@-]{1,128}$/, 'userId must be 1–128 characters of [A-Za-z0-9_:.@-]')
/** Opaque account id minted by the signer; never the Stellar public key. */
export const SignerAccountIdSchema = z.string().regex(/^acc_[A-Za-z0-9_-]{16,64}$/, 'not a signer account id')
export const AccountKindSchema = z.enum(['user', 'agent'])
export const AccountNameSchema = z.string().trim().min(1).max(64)

/** `{ requestId, issuedAt, userId, params }`; `issuedAt` is epoch milliseconds. Unknown keys are refused. */
export const SignerEnvelopeSchema = z
  .object({
    requestId: SignerRequestIdSchema,
    issuedAt: z.number().int().nonnegative(),
    userId: SignerUserIdSchema,
    params: z.unknown(),
  })
  .strict()
export type SignerEnvelope = z.infer<typeof SignerEnvelopeSchema>

export const SignerErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string().min(1) }).strict()
export type SignerError = z.infer<typeof SignerErrorSchema>

/** Response union, generic over the method's result schema. */
export const signerResponseSchema = <T extends z.ZodType>(result: T) =>
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), result }).strict(),
    z.object({ ok: z.literal(false), error: SignerErrorSchema }).strict(),
  ])
export const SignerErrorResponseSchema = z.object({ ok: z.literal(false), error: SignerErrorSchema }).strict()

const empty = z.object({}).strict()

export const AccountSchema = z
  .object({
    accountId: SignerAccountIdSchema,
    publicKey: StellarAccountIdSchema,
    kind: AccountKindSchema,
    name: z.string().nullable(),
    createdAt: z.string(),
  })
  .strict()
export type Account = z.infer<typeof AccountSchema>

export const AccountsCreateParamsSchema = z
  .object({ name: AccountNameSchema.optional(), kind: AccountKindSchema })
  .strict()
export const AccountsImportParamsSchema = z
  .object({
    secret: SecretSeedSchema,
    name: AccountNameSchema.optional(),
    kind: AccountKindSchema.optional(),
  })
  .strict()
export const AccountsListParamsSchema = empty
export const AccountRefParamsSchema = z.object({ accountId: SignerAccountIdSchema }).strict()
export const AccountsGetParamsSchema = AccountRefParamsSchema
export const AccountsExportParamsSchema = AccountRefParamsSchema
export const AccountsDeleteParamsSchema = AccountRefParamsSchema

export const AccountsCreateResultSchema = AccountSchema
export const AccountsImportResultSchema = AccountSchema
export const AccountsGetResultSchema = AccountSchema
export const AccountsListResultSchema = z.object({ accounts: z.array(AccountSchema) }).strict()
export const AccountsExportResultSchema = z
  .object({ accountId: SignerAccountIdSchema, publicKey: StellarAccountIdSchema, secret: SecretSeedSchema })
  .strict()
export const AccountsDeleteResultSchema = z
  .object({ accountId: SignerAccountIdSchema, deleted: z.literal(true) })
  .strict()

/** Base64 of a TransactionEnvelope XDR (a fee-bump envelope is allowed). */
const XdrSchema = z
  .string()
  .min(4)
  .max(65_536)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'xdr must be base64')
export const TxSignParamsSchema = z
  .object({
    accountId: SignerAccountIdSchema,
    xdr: XdrSchema,
    /** Optional: when given, must equal the signer's configured passphrase (the XDR does not carry it). */
    networkPassphrase: z.string().min(1).optional(),
  })
  .strict()
export const TxSignResultSchema = z
  .object({ signedXdr: XdrSchema, hash: z.string().regex(/^[0-9a-f]{64}$/) })
  .strict()

export const AuditDecisionSchema = z.enum(['allow', 'deny'])
export const AuditListParamsSchema = z
  .object({
    limit: z.number().int().min(1).max(500).optional(),
    /** Only entries with `seq` below this (paging backwards). */
    before: z.number().int().positive().optional(),
  })
  .strict()
export const AuditEntrySchema = z
  .object({
    seq: z.number().int().positive(),
    at: z.string(),
    requestId: z.string(),
    method: z.string(),
    accountId: z.string().nullable(),
    txHash: z.string().nullable(),
    decision: AuditDecisionSchema,
    reasonCode: ErrorCodeSchema.nullable(),
  })
  .strict()
export type AuditEntry = z.infer<typeof AuditEntrySchema>
export const AuditListResultSchema = z.object({ entries: z.array(AuditEntrySchema) }).strict()

/** The whole RPC surface: method name → params and result schemas. The signer's route table mirrors it. */
export const SIGNER_METHODS = {
  'accounts.create': { params: AccountsCreateParamsSchema, result: AccountsCreateResultSchema },
  'accounts.import': { params: AccountsImportParamsSchema, result: AccountsImportResultSchema },
  'accounts.list': { params: AccountsListParamsSchema, result: AccountsListResultSchema },
  'accounts.get': { params: AccountsGetParamsSchema, result: AccountsGetResultSchema },
  'accounts.export': { params: AccountsExportParamsSchema, result: AccountsExportResultSchema },
  'accounts.delete': { params: AccountsDeleteParamsSchema, result: AccountsDeleteResultSchema },
  'tx.sign': { params: TxSignParamsSchema, result: TxSignResultSchema },
  'audit.list': { params: AuditListParamsSchema, result: AuditListResultSchema },
} as const

export type SignerMethod = keyof typeof SIGNER_METHODS
export const SIGNER_METHOD_NAMES = Object.keys(SIGNER_METHODS) as SignerMethod[]
export const SignerMethodSchema = z.enum(SIGNER_METHOD_NAMES as [SignerMethod, ...SignerMethod[]])
export type SignerParams<M extends SignerMethod> = z.infer<(typeof SIGNER_METHODS)[M]['params']>
export type SignerResult<M extends SignerMethod> = z.infer<(typeof SIGNER_METHODS)[M]['result']>
export type SignerResponse<M extends SignerMethod> =
  | { ok: true; result: SignerResult<M> }
  | { ok: false; error: SignerError }

/** The path a method is served at: `POST /v1/<method>`. */
export const signerPath = (method: SignerMethod): string => `/v1/${method}`
