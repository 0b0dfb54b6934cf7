/**
 * Attaches a native Ed25519 signature as a DecoratedSignature (hint = last 4 bytes of the public key) and
 * re-encodes the envelope. The seed is only borrowed: the caller zeroes it.
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
  const hint = raw.subarray(raw.length - 4)
  decoded.tx.signatures.push(
    new xdr.DecoratedSignature({ hint: Buffer.from(hint), signature: Buffer.from(signature) }),
  )
  return {
    signedXdr: decoded.tx.toEnvelope().toXDR('base64'),
    hash: Buffer.from(decoded.hash).toString('hex'),
  }
}
