/**
 * The edge↔signer wire contract: the request envelope, the response union and every method's params and
 * result. Both sides parse with these schemas (the signer trusts nothing the edge already checked).
 * Web APIs only: this file runs in workerd as well as Node.
 */
import { z } from 'zod'
import { ErrorCodeSchema } from '../errors.ts'
import {
  AuthenticationResponseSchema,
  CredentialIdSchema,
  RecoveryCodeSchema,
  RegistrationResponseSchema,
} from './auth.ts'
import { SealedSeedSchema, X25519PublicKeySchema } from './sealed-seed.ts'
import { StellarAccountIdSchema } from './stellar.ts'

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
/**
 * An account name is a label, and the model may choose it: letters, digits, spaces and `_ . ' -`, starting
 * with a letter or digit. No newlines, quotes, brackets, colons or control/format characters, so a name
 * cannot close the JSON it is quoted in or pose as a line of instructions in the system prompt.
 */
export const AccountNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.'-]*$/u, "letters, digits, spaces and _ . ' - only")

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

/** An approval id minted by the signer (`apr_` + 22 base64url characters). */
export const ApprovalIdSchema = z.string().regex(/^apr_[A-Za-z0-9_-]{16,64}$/, 'not an approval id')
const TxHashSchema = z.string().regex(/^[0-9a-f]{64}$/)
/** Per asset key ("native" or "CODE:ISSUER") → decimal amount. */
export const AssetAmountsSchema = z.record(z.string(), z.string())

/**
 * The signer's own reading of a transaction, decoded from the XDR it will sign (never taken from the edge):
 * one line per operation or contract call, in words, with the machine-readable parts beside the text so a
 * client can render a destination in full with a copy button. What a person approves is what is signed.
 */
export const PreviewLineSchema = z
  .object({
    /** payment | path_payment | create_account | merge | offer | trustline | contract_call | unknown_call | other */
    kind: z.string().min(1),
    /** In words, e.g. "Send 10 XLM to GABC…XYZ" or "Supply 100 USDC to Blend pool Fixed (CDVQ…)". */
    text: z.string().min(1),
    /** Asset key ("native" or "CODE:ISSUER" or a contract id) and decimal amount that leave, when known. */
    asset: z.string().optional(),
    amount: z.string().optional(),
    /** Full destination (G…, M… or C…), never shortened here. */
    destination: z.string().optional(),
    /** The contract called, for contract calls. */
    contract: z.string().optional(),
  })
  .strict()
export type PreviewLine = z.infer<typeof PreviewLineSchema>
export const SignerPreviewSchema = z
  .object({
    /** The account whose key signs. */
    source: z.string(),
    lines: z.array(PreviewLineSchema),
    /** Maximum fee in XLM as a decimal string (inner + fee-bump outer, resource fee included). */
    fee: z.string(),
  })
  .strict()
export type SignerPreview = z.infer<typeof SignerPreviewSchema>

/** Carried by ERR_APPROVAL_REQUIRED: what the user is asked to approve, bound to the transaction hash. */
export const ApprovalRequiredDetailsSchema = z
  .object({
    approvalId: ApprovalIdSchema,
    txHash: TxHashSchema,
    expiresAt: z.string(),
    amounts: AssetAmountsSchema,
    reason: z.string(),
    preview: SignerPreviewSchema,
  })
  .strict()
export type ApprovalRequiredDetails = z.infer<typeof ApprovalRequiredDetailsSchema>

export const SignerErrorSchema = z
  .object({
    code: ErrorCodeSchema,
    message: z.string().min(1),
    details: ApprovalRequiredDetailsSchema.optional(),
  })
  .strict()
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
/**
 * The user's proof to the signer: a passkey assertion over a challenge the signer issued (user.challenge)
 * for exactly this operation. Optional in every schema so that a missing proof is the signer's stable
 * ERR_USER_PROOF_REQUIRED, not a validation error.
 */
export const UserProofSchema = z.object({ assertion: AuthenticationResponseSchema }).strict()
export type UserProof = z.infer<typeof UserProofSchema>

/** The seed arrives HPKE-sealed to the signer's attested key (shared/seed-seal.ts): never in clear. */
export const AccountsImportParamsSchema = z
  .object({
    sealed: SealedSeedSchema,
    name: AccountNameSchema.optional(),
    kind: AccountKindSchema.optional(),
    proof: UserProofSchema.optional(),
  })
  .strict()
export const AccountsListParamsSchema = empty
export const AccountRefParamsSchema = z.object({ accountId: SignerAccountIdSchema }).strict()
export const AccountsGetParamsSchema = AccountRefParamsSchema
/**
 * The browser's ephemeral X25519 key: the seed leaves sealed to it and to (user, account, operation). The
 * proof commits to that key too, so an edge cannot relay the user's proof with a key of its own.
 */
export const AccountsExportParamsSchema = z
  .object({
    accountId: SignerAccountIdSchema,
    recipientPublicKey: X25519PublicKeySchema,
    proof: UserProofSchema.optional(),
  })
  .strict()
/** Destroying a sealed key is the user's alone: the proof commits to this account (signer/methods/accounts-delete.ts). */
export const AccountsDeleteParamsSchema = z
  .object({ accountId: SignerAccountIdSchema, proof: UserProofSchema.optional() })
  .strict()

export const AccountsCreateResultSchema = AccountSchema
export const AccountsImportResultSchema = AccountSchema
export const AccountsGetResultSchema = AccountSchema
export const AccountsListResultSchema = z.object({ accounts: z.array(AccountSchema) }).strict()
export const AccountsExportResultSchema = z
  .object({ accountId: SignerAccountIdSchema, publicKey: StellarAccountIdSchema, sealed: SealedSeedSchema })
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
    /** An approved, unexpired, unused approval bound to this exact transaction's hash. */
    approvalId: ApprovalIdSchema.optional(),
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
    /** Why it was refused, in words (the message the caller got); null for successes. */
    reason: z.string().nullable(),
  })
  .strict()
export type AuditEntry = z.infer<typeof AuditEntrySchema>
export const AuditListResultSchema = z.object({ entries: z.array(AuditEntrySchema) }).strict()

export const ApprovalStatusSchema = z.enum(['pending', 'approved', 'rejected', 'used', 'expired'])
export const ApprovalSchema = z
  .object({
    approvalId: ApprovalIdSchema,
    accountId: SignerAccountIdSchema,
    txHash: TxHashSchema,
    xdr: XdrSchema,
    amounts: AssetAmountsSchema,
    reason: z.string(),
    preview: SignerPreviewSchema,
    status: ApprovalStatusSchema,
    /** False only when the approval explicitly exempts the transaction from the daily cap. */
    countsTowardDailyCap: z.boolean(),
    createdAt: z.string(),
    expiresAt: z.string(),
    decidedAt: z.string().nullable(),
    usedAt: z.string().nullable(),
  })
  .strict()
export type Approval = z.infer<typeof ApprovalSchema>
export const ApprovalRefParamsSchema = z.object({ approvalId: ApprovalIdSchema }).strict()
export const ApprovalsApproveParamsSchema = z
  .object({ approvalId: ApprovalIdSchema, proof: UserProofSchema.optional() })
  .strict()
export const ApprovalsListParamsSchema = z
  .object({ limit: z.number().int().min(1).max(200).optional() })
  .strict()
export const ApprovalsListResultSchema = z.object({ approvals: z.array(ApprovalSchema) }).strict()

const AssetLimitViewSchema = z
  .object({
    perTx: z.string(),
    daily: z.string(),
    approvalAbove: z.string().nullable(),
    spentToday: z.string(),
  })
  .strict()
/** The effective policy (deployment defaults merged with the user's stricter limits). */
export const PolicyViewSchema = z
  .object({
    assets: z.record(z.string(), AssetLimitViewSchema),
    destinations: z.record(z.string(), z.array(StellarAccountIdSchema)),
    feeCeilingPerOpStroops: z.string(),
    /** XLM of fees allowed, and paid, in the rolling 24 hours (like `spentToday`). */
    feeBudgetDaily: z.string(),
    feesSpent: z.string(),
    maxTimeAheadSeconds: z.number().int(),
    approvalTtlSeconds: z.number().int(),
  })
  .strict()
const UserAssetLimitParamsSchema = z
  .object({
    perTx: z.string().optional(),
    daily: z.string().optional(),
    approvalAbove: z.string().optional(),
  })
  .strict()
/** The change a policy.set asks for (what a loosening proof commits to). */
export const PolicyChangeSchema = z
  .object({
    assets: z.record(z.string(), UserAssetLimitParamsSchema).optional(),
    destinations: z.record(SignerAccountIdSchema, z.array(StellarAccountIdSchema).max(256)).optional(),
  })
  .strict()
/**
 * A user's own limits; each can only lower the deployment's (the signer takes the minimum). A change that
 * loosens the user's current limits or widens an allow-list needs `proof`; tightening does not.
 */
export const PolicySetParamsSchema = PolicyChangeSchema.extend({ proof: UserProofSchema.optional() }).strict()

/** What a user.challenge commits to: the method and the exact parameters the proof will be used for. */
export const ProofOperationSchema = z.discriminatedUnion('method', [
  z
    .object({
      method: z.literal('accounts.export'),
      accountId: SignerAccountIdSchema,
      /** The key the seed will be sealed to: a proof for one key is no proof for another. */
      recipientPublicKey: X25519PublicKeySchema,
    })
    .strict(),
  z.object({ method: z.literal('accounts.delete'), accountId: SignerAccountIdSchema }).strict(),
  z
    .object({
      method: z.literal('accounts.import'),
      kind: AccountKindSchema.optional(),
      name: AccountNameSchema.optional(),
      /** base64url SHA-256 of the sealed payload (shared/seed-seal.ts sealedDigest), computed by the browser over what it sends. */
      sealedDigest: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be base64url SHA-256'),
    })
    .strict(),
  z.object({ method: z.literal('approvals.approve'), approvalId: ApprovalIdSchema }).strict(),
  z.object({ method: z.literal('policy.set'), change: PolicyChangeSchema }).strict(),
  z.object({ method: z.literal('passkeys.add'), credentialId: CredentialIdSchema }).strict(),
  z.object({ method: z.literal('passkeys.remove'), credentialId: CredentialIdSchema }).strict(),
])
export type ProofOperation = z.infer<typeof ProofOperationSchema>
export const UserChallengeParamsSchema = z.object({ operation: ProofOperationSchema }).strict()
const CredentialDescriptorSchema = z
  .object({ id: CredentialIdSchema, transports: z.array(z.string()) })
  .strict()
export const UserChallengeResultSchema = z
  .object({
    /** base64url(16 random bytes ‖ SHA-256 of the canonical operation descriptor): use it as the WebAuthn challenge. */
    challenge: z.string().regex(/^[A-Za-z0-9_-]{64}$/),
    expiresAt: z.string(),
    /** The user's credentials as the signer knows them (allowCredentials). */
    credentials: z.array(CredentialDescriptorSchema),
  })
  .strict()
/** The first passkey of a new user and their recovery codes (normalized); the signer keeps only hashes. */
export const UsersRegisterParamsSchema = z
  .object({
    credential: RegistrationResponseSchema,
    recoveryCodes: z.array(RecoveryCodeSchema).min(1).max(16),
  })
  .strict()
export const UsersRegisterResultSchema = z
  .object({ credentialId: CredentialIdSchema, registered: z.literal(true) })
  .strict()
/** A further passkey: proven by an existing one (assertion over passkeys.add + its id) or by a redeemed recovery code. */
export const PasskeysAddParamsSchema = z
  .object({ credential: RegistrationResponseSchema, proof: UserProofSchema.optional() })
  .strict()
export const PasskeysRemoveParamsSchema = z
  .object({ credentialId: CredentialIdSchema, proof: UserProofSchema.optional() })
  .strict()
export const PasskeyChangeResultSchema = z
  .object({ credentialId: CredentialIdSchema, credentials: z.number().int().nonnegative() })
  .strict()
export const RecoveryRedeemParamsSchema = z.object({ code: RecoveryCodeSchema }).strict()
export const RecoveryRedeemResultSchema = z
  .object({ codesLeft: z.number().int().nonnegative(), grantExpiresAt: z.string() })
  .strict()

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
  'approvals.list': { params: ApprovalsListParamsSchema, result: ApprovalsListResultSchema },
  'approvals.get': { params: ApprovalRefParamsSchema, result: ApprovalSchema },
  'approvals.approve': { params: ApprovalsApproveParamsSchema, result: ApprovalSchema },
  'approvals.reject': { params: ApprovalRefParamsSchema, result: ApprovalSchema },
  'policy.get': { params: empty, result: PolicyViewSchema },
  'policy.set': { params: PolicySetParamsSchema, result: PolicyViewSchema },
  'user.challenge': { params: UserChallengeParamsSchema, result: UserChallengeResultSchema },
  'users.register': { params: UsersRegisterParamsSchema, result: UsersRegisterResultSchema },
  'passkeys.add': { params: PasskeysAddParamsSchema, result: PasskeyChangeResultSchema },
  'passkeys.remove': { params: PasskeysRemoveParamsSchema, result: PasskeyChangeResultSchema },
  'recovery.redeem': { params: RecoveryRedeemParamsSchema, result: RecoveryRedeemResultSchema },
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
