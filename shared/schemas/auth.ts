/**
 * Bodies and views of the passkey auth API (/auth/*), shared by the edge (validation, OpenAPI) and the
 * browser. WebAuthn response objects are parsed for shape and size only; their meaning (signatures,
 * origin, RP ID, flags) is checked by @simplewebauthn/server. Inner WebAuthn objects drop unknown keys
 * instead of refusing them: browsers add fields over time, and none of them is trusted anyway.
 */
import { z } from 'zod'

/** Lower-cased and trimmed, so "A@x.example " and "a@x.example" are one account. */
export const EmailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email())

const b64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url')

/** A WebAuthn credential id: at most 1023 bytes, i.e. 1364 base64url characters. */
export const CredentialIdSchema = b64url(1364)
export const ChallengeIdSchema = z
  .string()
  .regex(/^chl_[A-Za-z0-9_-]{22}$/, 'must be a challengeId from an options call')

const Transports = z.array(z.string().max(32)).max(8)
const credentialBase = {
  id: CredentialIdSchema,
  rawId: CredentialIdSchema,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  // Extension outputs are not used; parsed to an empty object so nothing unchecked reaches the verifier.
  clientExtensionResults: z.object({}).default({}),
}

/** `PublicKeyCredential.toJSON()` after `navigator.credentials.create()`. */
export const RegistrationResponseSchema = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: b64url(4_096),
    attestationObject: b64url(32_000),
    authenticatorData: b64url(16_000).optional(),
    transports: Transports.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url(8_000).optional(),
  }),
})

/** `PublicKeyCredential.toJSON()` after `navigator.credentials.get()`. */
export const AuthenticationResponseSchema = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: b64url(4_096),
    authenticatorData: b64url(16_000),
    signature: b64url(1_024),
    userHandle: b64url(128).optional(),
  }),
})

export const RegisterOptionsBodySchema = z.object({ email: EmailSchema }).strict()
export const RegisterVerifyBodySchema = z
  .object({ challengeId: ChallengeIdSchema, response: RegistrationResponseSchema })
  .strict()
export const LoginOptionsBodySchema = z
  .object({ email: EmailSchema.optional().describe('omit for a discoverable credential') })
  .strict()
export const AssertionVerifyBodySchema = z
  .object({ challengeId: ChallengeIdSchema, response: AuthenticationResponseSchema })
  .strict()
export const PasskeyNameSchema = z.string().trim().min(1).max(64)
export const AddPasskeyVerifyBodySchema = z
  .object({
    challengeId: ChallengeIdSchema,
    response: RegistrationResponseSchema,
    name: PasskeyNameSchema.optional(),
    /** An existing passkey's assertion over a signer challenge for { method: 'passkeys.add', credentialId }; omitted right after a recovery code. */
    proof: z.object({ assertion: AuthenticationResponseSchema }).strict().optional(),
  })
  .strict()
export const PasskeyIdParamSchema = z.object({ id: CredentialIdSchema }).strict()

/** What a recovery code looks like to a person: 10 base32 characters, shown as xxxxx-xxxxx. */
export const RecoveryCodeSchema = z
  .string()
  .max(32)
  .transform((v) => v.toLowerCase().replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^[a-z2-7]{10}$/, 'must be a recovery code like abcde-fgh23'))
export const RecoveryVerifyBodySchema = z.object({ email: EmailSchema, code: RecoveryCodeSchema }).strict()

// Views

export const UserViewSchema = z.object({ id: z.string(), email: z.string() })
export const CeremonyOptionsSchema = z.object({
  challengeId: z.string(),
  options: z.record(z.string(), z.unknown()).describe('pass to navigator.credentials.create/get'),
})
export const SignedInSchema = z.object({
  user: UserViewSchema,
  sessionToken: z.string().describe('the same token as the cookie, for Authorization: Bearer'),
})
export const RegisteredSchema = SignedInSchema.extend({
  recoveryCodes: z.array(z.string()).length(8).describe('shown once; store them offline'),
})
export const SessionViewSchema = z.object({
  user: UserViewSchema,
  session: z.object({
    createdAt: z.number(),
    expiresAt: z.number().describe('absolute limit (ms)'),
    idleExpiresAt: z.number().describe('when it ends without activity (ms)'),
    reauthAt: z.number().nullable().describe('last fresh passkey assertion (ms)'),
  }),
})
export const PasskeyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  deviceType: z.enum(['singleDevice', 'multiDevice']),
  backedUp: z.boolean(),
})
export type PasskeyView = z.infer<typeof PasskeyViewSchema>
