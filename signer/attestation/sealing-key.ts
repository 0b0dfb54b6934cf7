/**
 * The seed-sealing key: X25519 (HPKE, shared/seed-seal.ts), generated at start and held only in this
 * process's memory, like the response key, and bound with it in the quote's report data. Generated rather
 * than derived from the dstack KMS: a seed is sealed to it seconds before it is opened (import) and nothing
 * is ever stored under it, so it needs no continuity across restarts, and a key that dies with the process
 * cannot be recomputed later by anyone, even by this app's own measured code after an upgrade. A restart
 * between the browser fetching the key and sending the seed only costs a retry (ERR_SEAL_INVALID).
 */
import { openWith, type SealedSeed, sealSuite } from '../../shared/seed-seal.ts'

export type SealingKey = {
  /** Raw 32-byte X25519 public key, as served in the attestation document. */
  readonly publicKey: Uint8Array
  /** The plaintext, or undefined when the seal does not open (tampered, other info, other key). */
  open(sealed: SealedSeed, info: Uint8Array): Promise<Uint8Array | undefined>
}

export async function createSealingKey(): Promise<SealingKey> {
  const suite = sealSuite()
  const pair = await suite.kem.generateKeyPair()
  const publicKey = new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey))
  return { publicKey, open: (sealed, info) => openWith(pair, sealed, info) }
}
