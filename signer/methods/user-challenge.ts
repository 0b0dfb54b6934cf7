/**
 * user.challenge: a one-time WebAuthn challenge that commits to one operation of this user (descriptor.ts),
 * valid for two minutes. The signer fills in what it knows itself (an approval's account and transaction
 * hash), so the edge cannot name one approval and spend the proof on another. Threats this stops: proofs
 * made up by the edge (every accepted challenge was minted here) and proofs reused across operations.
 */
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { challengeFor, describe, digestOf, type OperationFacts } from '../user-proof/descriptor.ts'
import { APPROVAL_NOT_FOUND } from './approvals-read.ts'
import { ACCOUNT_NOT_FOUND, done, type MethodContext, type Outcome, refused } from './context.ts'

/** How long a user has between the signer's challenge and the assertion reaching it. */
export const USER_CHALLENGE_TTL_MS = 2 * 60_000

/** Signer-side facts for an operation; a Failure when the thing it names is not the caller's. */
export async function factsFor(
  ctx: MethodContext,
  op: SignerParams<'user.challenge'>['operation'],
): Promise<OperationFacts | 'account-not-found' | 'approval-not-found'> {
  if (
    (op.method === 'accounts.export' || op.method === 'accounts.delete') &&
    !(await ctx.tx.accounts.get(ctx.userId, op.accountId))
  )
    return 'account-not-found'
  if (op.method === 'approvals.approve') {
    const row = await ctx.tx.approvals.get(ctx.userId, op.approvalId)
    if (!row) return 'approval-not-found'
    return { approval: { accountId: row.account_id, txHash: row.tx_hash } }
  }
  return {}
}

export async function userChallenge(
  ctx: MethodContext,
  params: SignerParams<'user.challenge'>,
): Promise<Outcome<SignerResult<'user.challenge'>>> {
  const facts = await factsFor(ctx, params.operation)
  if (facts === 'account-not-found') return refused(ACCOUNT_NOT_FOUND)
  if (facts === 'approval-not-found') return refused(APPROVAL_NOT_FOUND)
  const descriptor = describe(ctx.userId, params.operation, facts)
  if (!descriptor) return refused(APPROVAL_NOT_FOUND)
  const digest = digestOf(descriptor)
  const challenge = challengeFor(ctx.nonce(), digest)
  const expiresMs = ctx.now.getTime() + USER_CHALLENGE_TTL_MS
  await ctx.tx.users.addChallenge({
    challenge,
    user_id: ctx.userId,
    method: descriptor.method,
    digest,
    expires_ms: expiresMs,
  })
  const credentials = (await ctx.tx.users.credentials(ctx.userId)).map((c) => ({
    id: c.id,
    transports: JSON.parse(c.transports) as string[],
  }))
  return done({ challenge, expiresAt: new Date(expiresMs).toISOString(), credentials })
}
