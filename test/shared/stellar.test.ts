import { Account, Keypair, MuxedAccount, StrKey } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import {
  baseAccountOf,
  ContractIdSchema,
  DestinationSchema,
  MuxedAccountIdSchema,
  SecretSeedSchema,
  StellarAccountIdSchema,
} from '../../shared/schemas/stellar.ts'

// Fixed, public addresses (no secrets): a known account, a muxed form of it, a contract.
const G = 'GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN'
const M = new MuxedAccount(new Account(G, '0'), '42').accountId()
const C = 'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC'
/** The same key with its last character changed: the checksum no longer matches. */
const badChecksum = (s: string) => `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`

describe('StellarAccountId', () => {
  it.each([[G], [Keypair.random().publicKey()]])('accepts %s', (v) => {
    expect(StellarAccountIdSchema.safeParse(v).success).toBe(true)
  })
  it.each([
    ['', 'empty'],
    [badChecksum(G), 'bad checksum'],
    [G.toLowerCase(), 'lower case'],
    [` ${G}`, 'leading space'],
    [G.slice(0, 55), 'too short'],
    [`${G}A`, 'too long'],
    [M, 'muxed where only G is allowed'],
    [C, 'contract id'],
    [`S${G.slice(1)}`, 'secret-seed prefix'],
  ])('rejects %j (%s)', (v) => {
    expect(StellarAccountIdSchema.safeParse(v).success).toBe(false)
  })
})

describe('muxed accounts and destinations', () => {
  it('M… is a valid muxed id and a valid destination, and maps to its G… base', () => {
    expect(MuxedAccountIdSchema.safeParse(M).success).toBe(true)
    expect(DestinationSchema.safeParse(M).success).toBe(true)
    expect(DestinationSchema.safeParse(G).success).toBe(true)
    expect(M.startsWith('M')).toBe(true)
    expect(baseAccountOf(M)).toBe(G)
    expect(StrKey.isValidEd25519PublicKey(M)).toBe(false)
    expect(baseAccountOf(G)).toBe(G)
  })
  it.each([[badChecksum(M)], [C], [''], ['M123'], [G.replace('G', 'M')]])('rejects destination %j', (v) => {
    expect(DestinationSchema.safeParse(v).success).toBe(false)
    expect(baseAccountOf(v)).toBeUndefined()
  })
})

describe('ContractId', () => {
  it('accepts a contract id', () => expect(ContractIdSchema.safeParse(C).success).toBe(true))
  it.each([[G], [badChecksum(C)], [C.toLowerCase()], [''], ['C123']])('rejects %j', (v) => {
    expect(ContractIdSchema.safeParse(v).success).toBe(false)
  })
})

describe('SecretSeed', () => {
  it('accepts a generated seed', () =>
    expect(SecretSeedSchema.safeParse(Keypair.random().secret()).success).toBe(true))
  it.each([[G], [''], ['S123'], [badChecksum(Keypair.random().secret())]])('rejects %j', (v) => {
    expect(SecretSeedSchema.safeParse(v).success).toBe(false)
  })
})
