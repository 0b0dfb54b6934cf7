/**
 * Stellar identifiers, checked by StrKey (version byte and CRC16 checksum), never by a regex alone:
 * a typo in one character of an address must be caught before money moves.
 *
 * Muxed (M…) addresses are accepted only where Stellar accepts them, which is as the destination of a
 * payment-like operation. Everywhere an account is *named* (a source, an owner, a signer) it must be G….
 */
import { StrKey } from '@stellar/stellar-sdk/base'
import { z } from 'zod'

export const StellarAccountIdSchema = z
  .string()
  .refine((v) => StrKey.isValidEd25519PublicKey(v), {
    message: 'not a valid Stellar account id (G…, 56 characters, with a valid checksum)',
  })
  .describe('Stellar account id, G followed by 55 characters')
export type StellarAccountId = z.infer<typeof StellarAccountIdSchema>

export const MuxedAccountIdSchema = z
  .string()
  .refine((v) => StrKey.isValidMed25519PublicKey(v), {
    message: 'not a valid muxed account id (M…, 69 characters, with a valid checksum)',
  })
  .describe('Muxed Stellar account id, M followed by 68 characters')

/** Where Stellar allows a muxed account (payment destinations): G… or M…. */
export const DestinationSchema = z
  .string()
  .refine((v) => StrKey.isValidEd25519PublicKey(v) || StrKey.isValidMed25519PublicKey(v), {
    message: 'not a valid destination: expected a G… account id or an M… muxed account id',
  })
  .describe('Destination account, G… or muxed M…')

export const ContractIdSchema = z
  .string()
  .refine((v) => StrKey.isValidContract(v), {
    message: 'not a valid contract id (C…, 56 characters, with a valid checksum)',
  })
  .describe('Soroban contract id, C followed by 55 characters')
export type ContractId = z.infer<typeof ContractIdSchema>

/** The underlying G… account of a G… or M… address; undefined when neither. */
export function baseAccountOf(address: string): string | undefined {
  if (StrKey.isValidEd25519PublicKey(address)) return address
  if (StrKey.isValidMed25519PublicKey(address)) {
    // M… = ed25519 key (32 bytes) followed by an 8-byte id.
    const raw = StrKey.decodeMed25519PublicKey(address)
    return StrKey.encodeEd25519PublicKey(raw.subarray(0, 32))
  }
  return undefined
}

/** A secret seed (S…): only ever accepted by the import route and the signer. */
export const SecretSeedSchema = z
  .string()
  .refine((v) => StrKey.isValidEd25519SecretSeed(v), { message: 'not a valid Stellar secret seed' })
