/**
 * passkeys.add / passkeys.remove / recovery.redeem: changing who can prove to be the user. Adding needs an
 * assertion from an existing passkey over a challenge naming the new credential id, or the grant a redeemed
 * recovery code left (one passkey, 15 minutes); removing needs an assertion naming the credential removed,
 * and never removes the last one. Threats this stops: an edge adding its own passkey to a victim (and so
 * owning every later proof), or removing the user's passkeys; recovery codes guessed or replayed.
 */
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { PROOF_REQUIRED, proveOperation } from '../user-proof/consume.ts'
import { RECOVERY_GRANT_TTL_MS, recoveryCodeMac } from '../user-proof/recovery.ts'
import { done, type MethodContext, type Outcome, refused } from './context.ts'
import { CREDENTIAL_INVALID } from './users-register.ts'

type Change = Outcome<SignerResult<'passkeys.add'>>

export async function passkeysAdd(ctx: MethodContext, params: SignerParams<'passkeys.add'>): Promise<Change> {
  const reg = ctx.checked.registration
  if (!reg?.ok || reg.credentialId !== params.credential.id) return refused(CREDENTIAL_INVALID)
  if (await ctx.tx.users.credentialTaken(reg.credentialId))
    return refused({ code: 'ERR_USER_EXISTS', message: 'this passkey is already registered' })
  if (params.proof) {
    const refusal = await proveOperation(ctx, { method: 'passkeys.add', credentialId: reg.credentialId })
    if (refusal) return refused(refusal)
  } else if (!(await ctx.tx.users.takeRecoveryGrant(ctx.userId, ctx.now.getTime()))) {
    return refused(PROOF_REQUIRED)
  }
  await ctx.tx.users.addCredential({
    id: reg.credentialId,
    user_id: ctx.userId,
    public_key: reg.publicKey,
    counter: reg.counter,
    uv: reg.userVerified ? 1 : 0,
    transports: JSON.stringify(reg.transports),
    created_at: ctx.now.toISOString(),
  })
  return done({
    credentialId: reg.credentialId,
    credentials: (await ctx.tx.users.credentials(ctx.userId)).length,
  })
}

export async function passkeysRemove(
  ctx: MethodContext,
  params: SignerParams<'passkeys.remove'>,
): Promise<Change> {
  const all = await ctx.tx.users.credentials(ctx.userId)
  if (!all.some((c) => c.id === params.credentialId))
    return refused({ code: 'ERR_NOT_FOUND', message: 'no such passkey' })
  if (all.length === 1)
    return refused({ code: 'ERR_AUTH_LAST_PASSKEY', message: 'add another passkey before removing this one' })
  const refusal = await proveOperation(ctx, { method: 'passkeys.remove', credentialId: params.credentialId })
  if (refusal) return refused(refusal)
  await ctx.tx.users.removeCredential(ctx.userId, params.credentialId)
  return done({ credentialId: params.credentialId, credentials: all.length - 1 })
}

export async function recoveryRedeem(
  ctx: MethodContext,
  params: SignerParams<'recovery.redeem'>,
): Promise<Outcome<SignerResult<'recovery.redeem'>>> {
  const nowMs = ctx.now.getTime()
  const mac = recoveryCodeMac(ctx.recoveryKey, ctx.userId, params.code)
  if (!(await ctx.tx.users.spendRecoveryCode(ctx.userId, mac, nowMs)))
    return refused({ code: 'ERR_USER_RECOVERY_INVALID', message: 'recovery code not accepted' })
  const expiresMs = nowMs + RECOVERY_GRANT_TTL_MS
  await ctx.tx.users.grantRecovery(ctx.userId, expiresMs)
  return done({
    codesLeft: await ctx.tx.users.recoveryCodesLeft(ctx.userId),
    grantExpiresAt: new Date(expiresMs).toISOString(),
  })
}
