/**
 * tx.sign: decode and check the envelope, ask the policy, then open the seed for exactly one signature.
 * The checks run before decryption, so a refused transaction never has its key decrypted.
 */
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { evaluatePolicy } from '../policy/evaluate.ts'
import { decodeAndCheck } from '../tx/check.ts'
import { signDecoded } from '../tx/sign.ts'
import { ACCOUNT_NOT_FOUND, done, type MethodContext, type Outcome, refused } from './context.ts'

export function txSign(
  ctx: MethodContext,
  params: SignerParams<'tx.sign'>,
): Outcome<SignerResult<'tx.sign'>> {
  const row = ctx.accounts.get(ctx.userId, params.accountId)
  if (!row) return refused(ACCOUNT_NOT_FOUND, params.accountId)
  const decoded = decodeAndCheck({
    xdr: params.xdr,
    publicKey: row.public_key,
    networkPassphrase: ctx.networkPassphrase,
    claimedPassphrase: params.networkPassphrase,
  })
  if (!decoded.ok) return refused(decoded.error, row.id)
  const decision = evaluatePolicy({
    decoded: decoded.value,
    account: { accountId: row.id, publicKey: row.public_key, kind: row.kind },
    now: ctx.now,
  })
  if (!decision.ok) return refused(decision.error, row.id)
  const opened = ctx.keyring.open(
    { userId: ctx.userId, accountId: row.id, publicKey: row.public_key },
    row.ciphertext,
  )
  if (!opened.ok) return refused(opened.error, row.id)
  const seed = opened.value
  try {
    const signed = signDecoded(decoded.value, row.public_key, seed)
    return done(signed, row.id, signed.hash)
  } finally {
    seed.fill(0)
  }
}
