/**
 * users.register: the first passkey of a new user and their recovery codes. Nothing exists to prove it
 * against, so it is accepted only for a user the signer has never seen: no passkey, no recovery code, no
 * account. Threats this stops: an edge "registering" a second, attacker-held first passkey for an existing
 * user (ERR_USER_EXISTS), or a credential from another origin/RP or made without user verification.
 */
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { recoveryCodeMac } from '../user-proof/recovery.ts'
import { done, type MethodContext, type Outcome, refused } from './context.ts'

export const CREDENTIAL_INVALID = {
  code: 'ERR_USER_PROOF_INVALID',
  message: 'passkey registration not accepted',
} as const

export async function usersRegister(
  ctx: MethodContext,
  params: SignerParams<'users.register'>,
): Promise<Outcome<SignerResult<'users.register'>>> {
  const reg = ctx.checked.registration
  if (!reg?.ok || reg.credentialId !== params.credential.id) return refused(CREDENTIAL_INVALID)
  const known =
    (await ctx.tx.users.credentials(ctx.userId)).length > 0 ||
    (await ctx.tx.users.hasRecoveryCodes(ctx.userId)) ||
    (await ctx.tx.accounts.list(ctx.userId)).length > 0
  if (known || (await ctx.tx.users.credentialTaken(reg.credentialId)))
    return refused({ code: 'ERR_USER_EXISTS', message: 'this user is already registered with the signer' })
  await ctx.tx.users.addCredential({
    id: reg.credentialId,
    user_id: ctx.userId,
    public_key: reg.publicKey,
    counter: reg.counter,
    uv: reg.userVerified ? 1 : 0,
    transports: JSON.stringify(reg.transports),
    created_at: ctx.now.toISOString(),
  })
  const macs = [...new Set(params.recoveryCodes.map((c) => recoveryCodeMac(ctx.recoveryKey, ctx.userId, c)))]
  await ctx.tx.users.addRecoveryCodes(ctx.userId, macs)
  return done({ credentialId: reg.credentialId, registered: true })
}
