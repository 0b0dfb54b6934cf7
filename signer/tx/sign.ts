/**
 * Attaches a native Ed25519 signature as a DecoratedSignature (hint = last 4 bytes of the public key).
 * v1 and fee-bump envelopes get it appended by splicing bytes (see check.ts); others re-encode via the SDK.
 * The seed is only borrowed: the caller zeroes it.
 */
import { StrKey, xdr } from '@stellar/stellar-sdk/base'
import { signEd25519 } from '../crypto/ed25519.ts'
import type { DecodedTx } from './check.ts'

export function signDecoded(
  decoded: DecodedTx,
  publicKey: string,
  seed: Uint8Array,
): { signedXdr: string; hash: string } {
  const signature = signEd25519(seed, decoded.hash)
  const raw = StrKey.decodeEd25519PublicKey(publicKey)
  const hint = Buffer.from(raw.subarray(raw.length - 4))
  const hash = Buffer.from(decoded.hash).toString('hex')
  if (decoded.splice) {
    const { head, count, tail } = decoded.splice
    const fixed = Buffer.alloc(4 + 4 + 4)
    fixed.writeUInt32BE(count + 1, 0)
    hint.copy(fixed, 4)
    fixed.writeUInt32BE(signature.length, 8)
    const signedXdr = Buffer.concat([
      head,
      fixed.subarray(0, 4),
      tail,
      fixed.subarray(4),
      signature,
    ]).toString('base64')
    return { signedXdr, hash }
  }
  decoded.tx.signatures.push(new xdr.DecoratedSignature({ hint, signature: Buffer.from(signature) }))
  return { signedXdr: decoded.tx.toEnvelope().toXDR('base64'), hash }
}
