/**
 * Bodies, params and views of the public HTTP API, shared by the edge (validation, OpenAPI) and the
 * browser client. Strict objects: an unexpected key is a mistake worth reporting, not ignoring.
 */
import { z } from 'zod'
import { SealedSeedSchema, X25519PublicKeySchema } from './sealed-seed.ts'
import {
  AccountKindSchema,
  AccountNameSchema,
  AccountSchema,
  ProofOperationSchema,
  SignerAccountIdSchema,
  UserProofSchema,
} from './signer-rpc.ts'
import { ThreadIdSchema } from './threads.ts'

export const CreateAccountBodySchema = z
  .object({ name: AccountNameSchema.optional(), kind: AccountKindSchema.default('user') })
  .strict()
/**
 * `proof`: the assertion from POST /auth/reauth/options with `operation`, relayed to the signer, which
 * checks it itself (the edge's word is not enough to import, export, approve or change passkeys).
 */
export const ImportAccountBodySchema = z
  .object({ sealed: SealedSeedSchema, name: AccountNameSchema.optional(), proof: UserProofSchema.optional() })
  .strict()
/** Passkey removal: the body only carries the user's proof. */
export const UserProofBodySchema = z.object({ proof: UserProofSchema.optional() }).strict()
/** Re-authentication options; with `operation`, the challenge is the signer's and commits to it. */
export const ReauthOptionsBodySchema = z.object({ operation: ProofOperationSchema.optional() }).strict()
export const AgentAccountBodySchema = z.object({ account_name: AccountNameSchema }).strict()
export const AccountIdParamSchema = z.object({ id: SignerAccountIdSchema }).strict()

export const TransactionsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z
      .string()
      .regex(/^[0-9]{1,20}$/, 'cursor must be a paging token')
      .optional(),
    order: z.enum(['asc', 'desc']).default('desc'),
  })
  .strict()

export const SignedXdrSchema = z
  .string()
  .min(4)
  .max(60_000)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'xdr must be base64 of a transaction envelope')
/**
 * `step`: the chat thread and tool call that offered this transaction (external-wallet mode), so the thread
 * records what happened to it (money_steps: submitted with its hash, or failed) like an agent-signed one.
 * The envelope must then be that very transaction, signed.
 */
export const WalletStepRefSchema = z
  .object({ threadId: ThreadIdSchema, callId: z.string().min(1).max(128) })
  .strict()
export const SubmitSignedBodySchema = z
  .object({ xdr: SignedXdrSchema, step: WalletStepRefSchema.optional() })
  .strict()

export const BalanceViewSchema = z.object({
  asset: z.string().describe('"native" or "CODE:ISSUER"'),
  balance: z.string().describe('decimal string, 7 places'),
  limit: z.string().optional(),
})
export const AccountViewSchema = AccountSchema.extend({
  funded: z.boolean().nullable().describe('null when Horizon could not be asked'),
  balances: z.array(BalanceViewSchema).nullable(),
})
export type AccountView = z.infer<typeof AccountViewSchema>

export const TransactionViewSchema = z.object({
  hash: z.string(),
  ledger: z.number().optional(),
  createdAt: z.string(),
  sourceAccount: z.string(),
  successful: z.boolean(),
  feeCharged: z.string().optional(),
  operationCount: z.number().optional(),
  pagingToken: z.string().optional(),
})

/** One payment as the account saw it (edge/stellar/payments.ts): the activity list's line. */
export const PaymentViewSchema = z.object({
  id: z.string(),
  hash: z.string(),
  createdAt: z.string(),
  successful: z.boolean(),
  kind: z.enum(['payment', 'create_account', 'path_payment', 'account_merge']),
  direction: z.enum(['sent', 'received']),
  amount: z.string().nullable().describe('decimal string; null where Horizon does not say (a merge)'),
  asset: z.string().nullable().describe('"native" or "CODE:ISSUER"'),
  /** A path payment's other side: what arrived (when sent) or what left the payer (when received). */
  otherAmount: z.string().optional(),
  otherAsset: z.string().optional(),
  counterparty: z.string().nullable(),
  pagingToken: z.string().optional(),
})
export type PaymentView = z.infer<typeof PaymentViewSchema>

export const SubmitResultSchema = z.object({
  hash: z.string(),
  ledger: z.number(),
  feeCharged: z.string().optional(),
})
/** POST /api/accounts/:id/export: the browser's ephemeral X25519 key; the seed comes back sealed to it. */
/** Export: the browser's ephemeral key and the user's proof, which commits to that key. */
export const ExportAccountBodySchema = z
  .object({ recipientPublicKey: X25519PublicKeySchema, proof: UserProofSchema.optional() })
  .strict()
/** DELETE /api/accounts/:id: the user's proof, which commits to this account and to deleting it. */
export const DeleteAccountBodySchema = z.object({ proof: UserProofSchema.optional() }).strict()
export const ExportResultSchema = z.object({
  accountId: z.string(),
  publicKey: z.string(),
  sealed: SealedSeedSchema,
})
