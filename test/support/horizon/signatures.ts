/**
 * Signature checks as stellar-core does them: each signature is an ed25519 signature of the transaction hash
 * (which commits to the network passphrase), matched to a signer by its 4-byte hint, and an account is
 * authorised when the weights of its distinct valid signers reach the operation's threshold. A signature made
 * for another network, by a stranger, or over other bytes counts for nothing — that is the whole point.
 */
import { Keypair, MuxedAccount, StrKey, type xdr } from '@stellar/stellar-sdk/base'
import type { AccountState } from './state.ts'

export type ThresholdLevel = 'low' | 'med' | 'high'

/** A G address for any source or destination, resolving M (muxed) addresses to their base account. */
export function baseAccountId(address: string): string {
  if (StrKey.isValidMed25519PublicKey(address))
    return MuxedAccount.fromAddress(address, '0').baseAccount().accountId()
  return address
}

function hintOf(publicKey: string): string {
  return Buffer.from(StrKey.decodeEd25519PublicKey(publicKey).subarray(28)).toString('hex')
}

/** Tracks which signatures were used, so unused ones can be reported as `tx_bad_auth_extra`. */
export class SignatureSet {
  readonly #hash: Uint8Array
  readonly #sigs: readonly xdr.DecoratedSignature[]
  readonly used = new Set<number>()

  constructor(hash: Uint8Array, sigs: readonly xdr.DecoratedSignature[]) {
    this.#hash = hash
    this.#sigs = sigs
  }

  /** Indexes of signatures that are valid for `publicKey` over this hash. */
  #validFor(publicKey: string): number[] {
    const hint = hintOf(publicKey)
    const kp = Keypair.fromPublicKey(publicKey)
    const out: number[] = []
    this.#sigs.forEach((s, i) => {
      if (Buffer.from(s.hint.value).toString('hex') !== hint) return
      if (kp.verify(this.#hash, s.signature.value)) out.push(i)
    })
    return out
  }

  /** True when the account's valid signers weigh at least the threshold (and at least one signed). */
  authorises(account: AccountState, level: ThresholdLevel): boolean {
    const signers = [{ key: account.id, weight: account.masterWeight }, ...account.signers]
    let weight = 0
    const usedHere: number[] = []
    for (const s of signers) {
      if (s.weight <= 0) continue
      const valid = this.#validFor(s.key)
      if (valid.length === 0) continue
      weight += s.weight
      usedHere.push(...valid)
    }
    const needed = Math.max(account.thresholds[level], 1)
    if (weight < needed) return false
    for (const i of usedHere) this.used.add(i)
    return true
  }

  get allUsed(): boolean {
    return this.used.size === this.#sigs.length
  }
}

/** The threshold an operation needs from its source account. */
export function thresholdFor(opType: string): ThresholdLevel {
  switch (opType) {
    case 'allowTrust':
    case 'setTrustLineFlags':
    case 'bumpSequence':
      return 'low'
    case 'accountMerge':
    case 'setOptions':
      return 'high'
    default:
      return 'med'
  }
}
