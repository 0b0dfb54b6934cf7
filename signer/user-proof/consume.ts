/**
 * The transactional half of a user proof, inside the request's store transaction: the challenge was issued
 * by this signer to this user for exactly this operation, is unused and unexpired; the authenticator
 * verified the user; the counter moved forward. Then the challenge is spent and the counter recorded, in
 * the same transaction as the operation and its audit entry. Threats this stops: replayed or stale
 * assertions, an assertion for another user, operation, account or approval, a cloned authenticator whose
 * counter went backwards, presence without verification. A refusal changes nothing.
 */
import type { Failure } from '../../shared/result.ts'
import type { ProofOperation } from '../../shared/schemas/signer-rpc.ts'
import type { MethodContext } from '../methods/context.ts'
import { committedDigest, type Descriptor, describe, digestOf, type OperationFacts } from './descriptor.ts'

const fail = (code: Failure['code'], message: string): Failure => ({ code, message })

export const PROOF_REQUIRED = fail('ERR_USER_PROOF_REQUIRED', 'this needs a passkey assertion from the user')

/**
 * Spends the request's assertion for `descriptor`, or says why not. `undefined` = proven (and consumed).
 */
export async function consumeProof(ctx: MethodContext, descriptor: Descriptor): Promise<Failure | undefined> {
  const a = ctx.checked.assertion
  if (!a) return PROOF_REQUIRED
  if (!a.ok) return fail(a.code, 'passkey assertion not accepted')
  const nowMs = ctx.now.getTime()
  // Read again in the transaction: the credential may have been removed since the pre-check.
  const credential = await ctx.tx.users.credential(ctx.userId, a.credentialId)
  if (!credential) return fail('ERR_USER_PROOF_UNKNOWN_CREDENTIAL', 'passkey assertion not accepted')
  const issued = await ctx.tx.users.challenge(a.challenge)
  if (!issued) return fail('ERR_USER_PROOF_INVALID', 'challenge was not issued by this signer')
  if (issued.user_id !== ctx.userId) return fail('ERR_USER_PROOF_MISMATCH', 'challenge is for another user')
  if (issued.used_ms !== null) return fail('ERR_USER_PROOF_REPLAYED', 'challenge already used')
  if (issued.expires_ms <= nowMs) return fail('ERR_USER_PROOF_STALE', 'challenge expired')
  const digest = digestOf(descriptor)
  // Both the row and the signed bytes must name this operation.
  if (
    issued.method !== descriptor.method ||
    issued.digest !== digest ||
    committedDigest(a.challenge) !== digest
  )
    return fail('ERR_USER_PROOF_MISMATCH', 'challenge is for another operation')
  if (!a.userVerified) return fail('ERR_USER_PROOF_UV_REQUIRED', 'the authenticator did not verify the user')
  if ((credential.counter > 0 || a.newCounter > 0) && a.newCounter <= credential.counter)
    return fail('ERR_USER_PROOF_COUNTER', 'authenticator counter did not move forward')
  if (!(await ctx.tx.users.useChallenge(a.challenge, nowMs)))
    return fail('ERR_USER_PROOF_REPLAYED', 'challenge already used')
  await ctx.tx.users.recordUse(ctx.userId, credential.id, a.newCounter, ctx.now.toISOString())
  return undefined
}

/** consumeProof for an operation; an operation that cannot be described is refused, never waved through. */
export async function proveOperation(
  ctx: MethodContext,
  op: ProofOperation,
  facts: OperationFacts = {},
): Promise<Failure | undefined> {
  const descriptor = describe(ctx.userId, op, facts)
  return descriptor ? consumeProof(ctx, descriptor) : PROOF_REQUIRED
}
