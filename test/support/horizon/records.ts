/**
 * Horizon's JSON resources, field for field as stellar-sdk 17's `server_api.d.ts` describes them: accounts,
 * transactions, operations, offers, order book, fee stats, ledgers and the root. Amounts are seven-decimal
 * strings; nothing here holds money in a JS number.
 */
import type { OperationRecord, Transaction } from '@stellar/stellar-sdk/base'
import { toStroops } from '../../../shared/schemas/money.ts'
import { priceFraction } from './operations.ts'
import { baseAccountId } from './signatures.ts'
import { type AccountState, assetFields, fromSdkAsset, subentries, type World, wireAmount } from './state.ts'
import type { Verdict } from './submit.ts'

type Json = Record<string, unknown>

const TYPE_I: Record<string, number> = {
  create_account: 0,
  payment: 1,
  path_payment_strict_receive: 2,
  manage_sell_offer: 3,
  create_passive_sell_offer: 4,
  set_options: 5,
  change_trust: 6,
  account_merge: 8,
  manage_buy_offer: 12,
  path_payment_strict_send: 13,
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

const href = (h: string, templated = false) => (templated ? { href: h, templated: true } : { href: h })

/** Real records carry `_links`; stellar-sdk turns each into a call (and `data` into `data_attr`). */
export function accountLinks(base: string, id: string): Json {
  const a = `${base}/accounts/${id}`
  return {
    self: href(a),
    transactions: href(`${a}/transactions{?cursor,limit,order}`, true),
    operations: href(`${a}/operations{?cursor,limit,order}`, true),
    payments: href(`${a}/payments{?cursor,limit,order}`, true),
    effects: href(`${a}/effects{?cursor,limit,order}`, true),
    offers: href(`${a}/offers{?cursor,limit,order}`, true),
    trades: href(`${a}/trades{?cursor,limit,order}`, true),
    data: href(`${a}/data/{key}`, true),
  }
}

export function transactionLinks(base: string, r: Json): Json {
  const t = `${base}/transactions/${String(r.hash)}`
  return {
    _links: {
      self: href(t),
      account: href(`${base}/accounts/${String(r.source_account)}`),
      ledger: href(`${base}/ledgers/${String(r.ledger)}`),
      operations: href(`${t}/operations{?cursor,limit,order}`, true),
      effects: href(`${t}/effects{?cursor,limit,order}`, true),
      precedes: href(`${base}/transactions?order=asc&cursor=${String(r.paging_token)}`),
      succeeds: href(`${base}/transactions?order=desc&cursor=${String(r.paging_token)}`),
      transaction: href(t),
    },
    ...r,
  }
}

export function accountRecord(w: World, a: AccountState, base: string): Json {
  const lines = [...a.trustlines.values()].map((l) => ({
    balance: wireAmount(l.balance),
    limit: wireAmount(l.limit),
    buying_liabilities: '0.0000000',
    selling_liabilities: '0.0000000',
    last_modified_ledger: l.lastModifiedLedger,
    is_authorized: true,
    is_authorized_to_maintain_liabilities: true,
    is_clawback_enabled: false,
    ...assetFields({ type: 'credit', code: l.code, issuer: l.issuer }),
  }))
  return {
    _links: accountLinks(base, a.id),
    id: a.id,
    account_id: a.id,
    sequence: a.sequence.toString(),
    sequence_ledger: a.lastModifiedLedger,
    sequence_time: '0',
    subentry_count: subentries(w, a),
    last_modified_ledger: a.lastModifiedLedger,
    last_modified_time: new Date(0).toISOString(),
    thresholds: {
      low_threshold: a.thresholds.low,
      med_threshold: a.thresholds.med,
      high_threshold: a.thresholds.high,
    },
    flags: {
      auth_required: false,
      auth_revocable: false,
      auth_immutable: false,
      auth_clawback_enabled: false,
    },
    // Horizon lists the native balance last.
    balances: [
      ...lines,
      {
        balance: wireAmount(a.native),
        buying_liabilities: '0.0000000',
        selling_liabilities: '0.0000000',
        asset_type: 'native',
      },
    ],
    signers: [
      ...a.signers.map((s) => ({ weight: s.weight, key: s.key, type: 'ed25519_public_key' })),
      { weight: a.masterWeight, key: a.id, type: 'ed25519_public_key' },
    ],
    data: Object.fromEntries(a.data),
    num_sponsoring: 0,
    num_sponsored: 0,
    paging_token: a.id,
  }
}

function memoFields(tx: Transaction): Json {
  const m = tx.memo
  if (m.type === 'none' || m.value === null) return { memo_type: 'none' }
  const v = m.value
  const text =
    typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString(m.type === 'text' ? 'utf8' : 'base64')
  return { memo_type: m.type, memo: text }
}

export function transactionRecord(
  tx: Transaction,
  v: Verdict,
  envelope: string,
  token: bigint,
  closedAt: Date,
  ledger: number,
): Json {
  const tb = tx.timeBounds
  return {
    id: v.hash,
    paging_token: token.toString(),
    successful: v.applied,
    hash: v.hash,
    ledger,
    created_at: closedAt.toISOString(),
    source_account: baseAccountId(tx.source),
    source_account_sequence: tx.sequence,
    fee_account: v.feeAccount,
    fee_charged: v.feeCharged.toString(),
    max_fee: tx.fee,
    operation_count: tx.operations.length,
    envelope_xdr: envelope,
    result_xdr: v.resultXdr,
    // Ledger-entry meta is not modelled: these stay empty rather than pretend.
    result_meta_xdr: '',
    fee_meta_xdr: '',
    ...memoFields(tx),
    signatures: tx.signatures.map((s) => Buffer.from(s.signature.value).toString('base64')),
    ...(tb ? { valid_after: new Date(Number(tb.minTime) * 1000).toISOString() } : {}),
    ...(tb && tb.maxTime !== '0' ? { valid_before: new Date(Number(tb.maxTime) * 1000).toISOString() } : {}),
    preconditions: tb ? { timebounds: { min_time: tb.minTime, max_time: tb.maxTime } } : {},
  }
}

export function operationRecord(
  op: OperationRecord,
  tx: Transaction,
  v: Verdict,
  token: bigint,
  closedAt: Date,
  index: number,
): Json {
  const type = snake(op.type)
  const source = baseAccountId(op.source ?? tx.source)
  const moved = v.outcomes[index]?.moved
  const base: Json = {
    id: token.toString(),
    paging_token: token.toString(),
    transaction_successful: v.applied,
    source_account: source,
    type,
    type_i: TYPE_I[type] ?? -1,
    created_at: closedAt.toISOString(),
    transaction_hash: v.hash,
  }
  switch (op.type) {
    case 'createAccount':
      return {
        ...base,
        starting_balance: wireAmount(toStroops(op.startingBalance)),
        funder: source,
        account: op.destination,
      }
    case 'payment':
      return {
        ...base,
        ...assetFields(fromSdkAsset(op.asset)),
        from: source,
        to: baseAccountId(op.destination),
        amount: op.amount,
      }
    case 'pathPaymentStrictSend':
    case 'pathPaymentStrictReceive':
      return {
        ...base,
        ...assetFields(fromSdkAsset(op.destAsset)),
        ...assetFields(fromSdkAsset(op.sendAsset), 'source_'),
        from: source,
        to: baseAccountId(op.destination),
        amount: moved ? wireAmount(moved.received) : '0.0000000',
        source_amount: moved ? wireAmount(moved.sent) : '0.0000000',
        path: op.path.map((a) => assetFields(fromSdkAsset(a))),
        ...(op.type === 'pathPaymentStrictSend'
          ? { destination_min: op.destMin }
          : { source_max: op.sendMax }),
      }
    case 'changeTrust': {
      const line = 'code' in op.line ? fromSdkAsset(op.line) : undefined
      return {
        ...base,
        ...(line ? assetFields(line) : {}),
        limit: op.limit,
        trustor: source,
        ...(line?.type === 'credit' ? { trustee: line.issuer } : {}),
      }
    }
    case 'manageSellOffer':
    case 'manageBuyOffer':
    case 'createPassiveSellOffer':
      return {
        ...base,
        ...assetFields(fromSdkAsset(op.selling), 'selling_'),
        ...assetFields(fromSdkAsset(op.buying), 'buying_'),
        amount: op.type === 'manageBuyOffer' ? op.buyAmount : op.amount,
        price: op.price,
        price_r: priceFraction(op.price),
        offer_id: op.type === 'createPassiveSellOffer' ? '0' : op.offerId,
      }
    case 'accountMerge':
      return { ...base, account: source, into: baseAccountId(op.destination) }
    default:
      return base
  }
}

export function feeStats(ledger: number): Json {
  const dist = Object.fromEntries(
    ['max', 'min', 'mode', 'p10', 'p20', 'p30', 'p40', 'p50', 'p60', 'p70', 'p80', 'p90', 'p95', 'p99'].map(
      (k) => [k, '100'],
    ),
  )
  return {
    last_ledger: String(ledger),
    last_ledger_base_fee: '100',
    ledger_capacity_usage: '0.01',
    fee_charged: dist,
    max_fee: dist,
  }
}

export function ledgerRecord(sequence: number, closedAt: Date, txCount: number, baseReserve: bigint): Json {
  const hash = Buffer.from(String(sequence).padStart(64, '0')).toString('hex').slice(0, 64)
  return {
    id: hash,
    paging_token: (BigInt(sequence) << 32n).toString(),
    hash,
    sequence,
    successful_transaction_count: txCount,
    failed_transaction_count: 0,
    operation_count: txCount,
    tx_set_operation_count: txCount,
    closed_at: closedAt.toISOString(),
    total_coins: '100000000000.0000000',
    fee_pool: '0.0000000',
    base_fee_in_stroops: 100,
    base_reserve_in_stroops: Number(baseReserve),
    max_tx_set_size: 1000,
    protocol_version: 23,
    header_xdr: '',
  }
}

export function rootRecord(passphrase: string, sequence: number, closedAt: Date): Json {
  return {
    horizon_version: 'tuxedo-stand-in',
    core_version: 'tuxedo-stand-in',
    ingest_latest_ledger: sequence,
    history_latest_ledger: sequence,
    history_latest_ledger_closed_at: closedAt.toISOString(),
    history_elder_ledger: 1,
    core_latest_ledger: sequence,
    network_passphrase: passphrase,
    current_protocol_version: 23,
    supported_protocol_version: 23,
    core_supported_protocol_version: 23,
  }
}
