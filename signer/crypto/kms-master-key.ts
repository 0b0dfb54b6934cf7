/**
 * The master key in `tdx` mode: asked of dstack's KMS through the guest agent, never typed by a person. The
 * KMS derives it from the app's identity (app id, bound to the measured compose file) and the path, so only
 * this application's attested code can obtain it; an operator who copies the data volume gets ciphertext
 * that no key they hold opens. The path names the use and a version: a future rotation asks for `/v2`.
 *
 * getKey answers key material for the KMS's default curve (32 bytes); it is not used as a curve key, only
 * as input keying material: HKDF-SHA256 with the path as `info` turns it into the AES-256-GCM master key.
 * A missing, short or degenerate answer stops the start (no fallback key).
 */
import { hkdfSync } from 'node:crypto'
import { DstackClient } from '@phala/dstack-sdk'
import { keyIdOf, type MasterKey } from '../secrets.ts'

export const KMS_KEY_PATH = 'tuxedo/keystore/aes-256-gcm/v1'
export const KMS_KEY_PURPOSE = 'tuxedo signer: master key of the account keystore'

export class KmsKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KmsKeyError'
  }
}

/** From the KMS's answer to the master key (pure, so the derivation has a known-answer test). */
export function masterKeyFromKms(material: Uint8Array): MasterKey {
  if (material.length < 32) throw new KmsKeyError('the KMS answered a key shorter than 32 bytes')
  if (material.every((b) => b === material[0])) throw new KmsKeyError('the KMS answered a degenerate key')
  const bytes = new Uint8Array(hkdfSync('sha256', material, new Uint8Array(0), KMS_KEY_PATH, 32))
  return { id: keyIdOf(bytes), bytes }
}

/** Asks the guest agent (unix socket, or DSTACK_SIMULATOR_ENDPOINT) for the master key. */
export async function fetchKmsMasterKey(endpoint: string | undefined): Promise<MasterKey> {
  let material: Uint8Array
  try {
    material = (await new DstackClient(endpoint).getKey(KMS_KEY_PATH, KMS_KEY_PURPOSE)).key
  } catch (e) {
    throw new KmsKeyError(`the dstack KMS did not answer GetKey: ${e instanceof Error ? e.name : 'error'}`)
  }
  try {
    return masterKeyFromKms(material)
  } finally {
    material.fill(0)
  }
}
