/**
 * What a user proof commits to, as pure functions. A challenge is base64url(16 random bytes ‖ SHA-256 of a
 * canonical operation descriptor): the authenticator signs the challenge, so its signature covers the
 * method, the user and the exact parameters (account to export or delete, approval id and tx hash, new limits, credential id).
 * Threats this stops: an assertion the user made for one thing being spent on another — another account,
 * another approval or transaction, other limits, another user, another operation.
 */
import { createHash } from 'node:crypto'
import type { ProofOperation } from '../../shared/schemas/signer-rpc.ts'
import { type SealedSeed, sealedDigestInput } from '../../shared/seed-seal.ts'
import { canonicalJson } from '../canonical-json.ts'

/** Signer-side facts an operation is bound to, looked up by the signer itself (never taken from the edge). */
export type OperationFacts = {
  /** approvals.approve: the approval's account and transaction hash from the signer's own row. */
  readonly approval?: { readonly accountId: string; readonly txHash: string }
}

export type Descriptor = Readonly<Record<string, unknown>> & { readonly method: ProofOperation['method'] }

const DOMAIN = 'tuxedo:user-proof:v1\n'

/** The canonical descriptor of `op` for `userId`; undefined when a required fact is missing. */
export function describe(
  userId: string,
  op: ProofOperation,
  facts: OperationFacts = {},
): Descriptor | undefined {
  switch (op.method) {
    case 'accounts.export':
      return { method: op.method, userId, accountId: op.accountId, recipientPublicKey: op.recipientPublicKey }
    case 'accounts.delete':
      return { method: op.method, userId, accountId: op.accountId }
    case 'accounts.import':
      return {
        method: op.method,
        userId,
        kind: op.kind ?? 'user',
        name: op.name ?? null,
        sealedDigest: op.sealedDigest,
      }
    case 'approvals.approve':
      if (!facts.approval) return undefined
      return {
        method: op.method,
        userId,
        approvalId: op.approvalId,
        accountId: facts.approval.accountId,
        txHash: facts.approval.txHash,
      }
    case 'policy.set':
      // A JSON round trip drops undefined members, so {} and {assets: undefined} commit alike.
      return { method: op.method, userId, change: JSON.parse(JSON.stringify(op.change)) as unknown }
    case 'passkeys.add':
    case 'passkeys.remove':
      return { method: op.method, userId, credentialId: op.credentialId }
  }
}

/** base64url SHA-256 of the domain-separated canonical descriptor. */
export function digestOf(d: Descriptor): string {
  return createHash('sha256').update(DOMAIN).update(canonicalJson(d)).digest('base64url')
}

/** The challenge for a descriptor digest: `nonce` must be 16 fresh random bytes. */
export function challengeFor(nonce: Uint8Array, digest: string): string {
  if (nonce.length !== 16) throw new Error('nonce must be 16 bytes')
  return Buffer.concat([nonce, Buffer.from(digest, 'base64url')]).toString('base64url')
}

/** The digest a challenge commits to (its last 32 bytes), or undefined if it is not one of ours. */
export function committedDigest(challenge: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{64}$/.test(challenge)) return undefined
  const bytes = Buffer.from(challenge, 'base64url')
  return bytes.length === 48 ? bytes.subarray(16).toString('base64url') : undefined
}

/** The digest accounts.import commits to for its sealed seed (shared/seed-seal.ts sealedDigest, in the browser). */
export const sealedDigest = (sealed: SealedSeed): string =>
  createHash('sha256').update(sealedDigestInput(sealed), 'utf8').digest('base64url')
