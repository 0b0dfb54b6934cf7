/**
 * The Soroban RPC side of the DeFi host: running a contract call (with the source-account authorisation
 * entry the host recorded), serving contract data for `getLedgerEntries`, and `getEvents` over the events the
 * emulated contracts published (contract id and exact-topic filters; no cursor paging, no system events).
 */
import { xdr } from '@stellar/stellar-sdk/base'
import type { ContractCall } from '../contract.ts'
import { type ContractEvent, type Host, invocationXdr } from './host.ts'
import { AUTHORISED_FNS } from './setup.ts'

export type DefiOutcome =
  | { readonly ok: true; readonly value: xdr.ScVal; readonly auth: xdr.SorobanAuthorizationEntry[] }
  | { readonly ok: false; readonly error: string }

/** A call into the host: its outcome, and the auth entry the source account must give (if any). */
export async function runDefi(
  defi: Host | undefined,
  call: ContractCall,
  source: string,
  now: bigint,
  commit: boolean,
): Promise<DefiOutcome | undefined> {
  if (!defi?.knows(call.contractId)) return undefined
  const inv = { contract: call.contractId, fn: call.fn, args: call.args }
  const { result } = await defi.run(inv, source, now, commit)
  if (!result.ok) return { ok: false, error: result.error }
  const auth = AUTHORISED_FNS.has(call.fn)
    ? [
        new xdr.SorobanAuthorizationEntry({
          credentials: xdr.SorobanCredentials.sorobanCredentialsSourceAccount(),
          rootInvocation: invocationXdr(inv, result.auth),
        }),
      ]
    : []
  return { ok: true, value: result.value, auth }
}

/**
 * `sendTransaction` for a DeFi call. The host enforces what simulation recorded: the transaction must carry
 * the source account's authorisation of exactly the invocation tree the contracts ask for, or the call traps
 * and nothing is written. Undefined when the contract is not the host's.
 */
export async function applyDefi(
  defi: Host | undefined,
  call: ContractCall,
  source: string,
  carried: readonly xdr.SorobanAuthorizationEntry[],
  now: bigint,
  ledgerSeq: number,
): Promise<{ ok: true; value: xdr.ScVal } | { ok: false; error: string } | undefined> {
  if (!defi?.knows(call.contractId)) return undefined
  const dry = await runDefi(defi, call, source, now, false)
  if (!dry?.ok) return { ok: false, error: dry?.error ?? 'not deployed' }
  const has = (e: xdr.SorobanAuthorizationEntry) =>
    carried.some((c) => c.toXDR('base64') === e.toXDR('base64'))
  if (!dry.auth.every(has)) return { ok: false, error: 'Error(Auth, InvalidAction): missing authorisation' }
  defi.ledger = ledgerSeq
  const real = await runDefi(defi, call, source, now, true)
  return real?.ok ? { ok: true, value: real.value } : { ok: false, error: real?.error ?? 'failed' }
}

/** A `getLedgerEntries` row for a contract-data key the host holds, or undefined. */
export function contractDataRow(defi: Host | undefined, k: string, key: xdr.LedgerKey, ledgerSeq: number) {
  if (key.type !== 'contractData') return undefined
  const val = defi?.storage.get(k)
  if (!val) return undefined
  const data = xdr.LedgerEntryData.contractData(
    new xdr.ContractDataEntry({
      ext: xdr.ExtensionPoint.v0(),
      contract: key.contractData.contract,
      key: key.contractData.key,
      durability: key.contractData.durability,
      val,
    }),
  )
  return { key: k, xdr: data.toXDR('base64'), lastModifiedLedgerSeq: ledgerSeq }
}

export function getEvents(
  defi: Host | undefined,
  p: Record<string, unknown>,
  ledger: { readonly sequence: number; readonly closedAt: Date },
) {
  const start = typeof p.startLedger === 'number' ? p.startLedger : 1
  const filters = Array.isArray(p.filters)
    ? (p.filters as { contractIds?: string[]; topics?: string[][] }[])
    : []
  const matches = (e: ContractEvent) =>
    filters.length === 0 ||
    filters.some(
      (f) =>
        (!f.contractIds || f.contractIds.includes(e.contract)) &&
        (!f.topics ||
          f.topics.some(
            (t) =>
              t.length === e.topic.length &&
              t.every((seg, i) => seg === '*' || seg === e.topic[i]?.toXDR('base64')),
          )),
    )
  const events = (defi?.events ?? [])
    .filter((e) => e.ledger >= start && matches(e))
    .map((e, i) => ({
      id: `${String(e.ledger).padStart(19, '0')}-${String(i).padStart(10, '0')}`,
      type: 'contract',
      ledger: e.ledger,
      ledgerClosedAt: new Date(Number(e.at) * 1000).toISOString(),
      contractId: e.contract,
      topic: e.topic.map((t) => t.toXDR('base64')),
      value: e.value.toXDR('base64'),
      inSuccessfulContractCall: true,
      txHash: '00'.repeat(32),
      transactionIndex: 1,
      operationIndex: 0,
    }))
  return {
    events,
    cursor: '',
    latestLedger: ledger.sequence,
    oldestLedger: 1,
    latestLedgerCloseTime: String(Math.floor(ledger.closedAt.getTime() / 1000)),
    oldestLedgerCloseTime: '0',
  }
}
