/**
 * The shapes of the one money path (edge/money/move.ts): a prepared transaction with its preview, and the
 * three ways a move ends (unsigned for an external wallet, submitted, refused). A refusal carries the
 * signer's approval request typed (ApprovalRequiredDetails), never as a loose record.
 */

import type { Transaction } from '@stellar/stellar-sdk/base'
import type { ErrorCode } from '../../shared/errors.ts'
import type { ApprovalRequiredDetails } from '../../shared/schemas/signer-rpc.ts'
import type { Preview } from '../stellar/simulate.ts'

/** Classic operations go to Horizon; a contract call goes to Soroban RPC. */
export type Via = 'horizon' | 'soroban'

/** One token movement a contract call's simulated authorization tree contains (base units). */
export type AuthTransfer = {
  readonly token: string
  readonly function: string
  readonly from: string
  readonly to: string
  readonly amount: string
}

/** What the tool says the move does, in words and amounts: what leaves, into what, what comes back. */
export type Intent = {
  readonly text: string
  /** Tokens leaving the account: contract id, label, decimals, amount in base units. */
  readonly leaves: readonly IntentAmount[]
  /** The pool, vault or router the money goes into. */
  readonly into: { readonly kind: string; readonly id: string; readonly name: string }
  /** What comes back (exact or at least), in words and base units. */
  readonly returns: readonly (IntentAmount & { readonly bound: 'exact' | 'at_least' | 'estimate' })[]
}
export type IntentAmount = {
  readonly token: string
  readonly label: string
  readonly decimals: number
  readonly amount: string
}

/** A contract call's preview: the intent, checked against the transfers simulation says the user authorises. */
export type ContractPreview = {
  readonly kind: 'contract_call'
  readonly source: string
  readonly contract: string
  readonly function: string
  /** Maximum fee in XLM (inclusion fee + resource fee from simulation). */
  readonly fee: string
  readonly transfers: readonly AuthTransfer[]
  readonly intent: Intent | null
  /** Web-client friendly rows: what leaves, from the simulated transfers. */
  readonly legs: readonly {
    readonly kind: string
    readonly from: string
    readonly to: string
    readonly asset: string
    readonly amount: string
  }[]
}

export type MoneyPreview = Preview | ContractPreview

export type Prepared = {
  readonly tx: Transaction
  readonly via: Via
  readonly preview: MoneyPreview
}

export type Refusal = {
  readonly code: ErrorCode
  readonly message: string
  /** Set when the signer asks for the user's approval (ERR_APPROVAL_REQUIRED). */
  readonly approval?: ApprovalRequiredDetails
}

export type Submitted = {
  readonly hash: string
  readonly ledger: number
  readonly fee: string | null
  /** A contract call's return value, JSON-safe. */
  readonly result?: unknown
}

export type MoveOutcome =
  | {
      readonly status: 'unsigned'
      readonly unsignedXdr: string
      readonly networkPassphrase: string
      readonly preview: MoneyPreview
      readonly submitTo: '/api/transactions/submit-signed'
    }
  | ({ readonly status: 'submitted'; readonly preview: MoneyPreview } & Submitted)
  | ({ readonly status: 'refused'; readonly txHash: string; readonly preview: MoneyPreview } & Refusal)
