/**
 * The preview of a contract call, read from the assembled transaction itself: the authorization tree that
 * simulation returned is what the user's signature will authorise, so its `transfer` sub-invocations from
 * the user are exactly what can leave the account. They are checked against what the tool declared
 * (`Intent`) before anything is signed: a pool, vault or router whose simulation would move a token or an
 * amount the tool did not say stops here (a wrong encoding or a hostile contract, not a surprise later).
 * Pure: the transaction in, the preview or a refusal out.
 */
import { Address, scValToNative, type Transaction, type xdr } from '@stellar/stellar-sdk/base'
import { fail, ok, type Result } from '../../shared/result.ts'
import { fromStroops } from '../../shared/schemas/money.ts'
import { fixedToDecimal } from '../defi/fixed-math.ts'
import type { AuthTransfer, ContractPreview, Intent } from './types.ts'

/** Token functions whose first argument is the account the tokens leave. */
const OUTFLOWS = new Set(['transfer', 'burn', 'approve'])

/**
 * Every token outflow in the transaction's authorization trees, whatever the credentials (the signer's
 * policy reads them the same way: signer/policy/soroban.ts). Iterative: no recursion depth to exhaust.
 */
export function authTransfers(tx: Transaction): AuthTransfer[] {
  const out: AuthTransfer[] = []
  for (const op of tx.operations) {
    if (op.type !== 'invokeHostFunction') continue
    const stack: xdr.SorobanAuthorizedInvocation[] = (op.auth ?? []).map((a) => a.rootInvocation)
    while (stack.length > 0) {
      const inv = stack.pop()
      if (!inv) break
      stack.push(...inv.subInvocations)
      const t = outflowOf(inv)
      if (t) out.push(t)
    }
  }
  return out
}

function outflowOf(inv: xdr.SorobanAuthorizedInvocation): AuthTransfer | undefined {
  const f = inv.function
  if (f.type !== 'sorobanAuthorizedFunctionTypeContractFn') return undefined
  const call = f.contractFn
  const name = call.functionName.toString()
  if (!OUTFLOWS.has(name)) return undefined
  const from = native(call.args[0])
  const amount = native(name === 'burn' ? call.args[1] : call.args[2])
  if (typeof from !== 'string' || typeof amount !== 'bigint') return undefined
  return {
    token: Address.fromScAddress(call.contractAddress).toString(),
    function: name,
    from,
    to: name === 'burn' ? '' : String(native(call.args[1])),
    amount: amount.toString(),
  }
}

const native = (v: xdr.ScVal | undefined): unknown => {
  if (v === undefined) return undefined
  try {
    return scValToNative(v)
  } catch {
    return undefined
  }
}

/** The called contract and function of the (single) invokeHostFunction operation. */
function target(tx: Transaction): { contract: string; fn: string } {
  for (const op of tx.operations) {
    if (op.type !== 'invokeHostFunction' || op.func.type !== 'hostFunctionTypeInvokeContract') continue
    const call = op.func.invokeContract
    return {
      contract: Address.fromScAddress(call.contractAddress).toString(),
      fn: call.functionName.toString(),
    }
  }
  return { contract: '', fn: '' }
}

/** Builds the preview and checks every simulated outflow of the user's tokens against the intent. */
export function previewContractCall(tx: Transaction, intent: Intent | null): Result<ContractPreview> {
  const transfers = authTransfers(tx)
  const { contract, fn } = target(tx)
  const fromUser = transfers.filter((t) => t.from === tx.source)
  if (intent) {
    const declared = new Map(intent.leaves.map((l) => [l.token, BigInt(l.amount)]))
    const used = new Map<string, bigint>()
    for (const t of fromUser) {
      const limit = declared.get(t.token)
      if (limit === undefined)
        return fail(
          'ERR_TX_SIMULATION_FAILED',
          `simulation shows ${t.token} leaving the account, which this ${intent.into.kind} move does not declare`,
        )
      const total = (used.get(t.token) ?? 0n) + BigInt(t.amount)
      if (total > limit)
        return fail(
          'ERR_TX_SIMULATION_FAILED',
          `simulation moves more ${labelOf(intent, t.token)} than declared (${t.amount} > ${limit} base units)`,
        )
      used.set(t.token, total)
    }
  }
  const legs = fromUser.map((t) => {
    const leave = intent?.leaves.find((l) => l.token === t.token)
    return {
      kind: `contract_${t.function}`,
      from: t.from,
      to: t.to,
      asset: leave ? leave.label : t.token,
      amount: leave ? fixedToDecimal(BigInt(t.amount), leave.decimals) : `${t.amount} base units`,
    }
  })
  return ok({
    kind: 'contract_call',
    source: tx.source,
    contract,
    function: fn,
    fee: fromStroops(BigInt(tx.fee)),
    transfers,
    intent,
    legs,
  })
}

const labelOf = (intent: Intent, token: string) =>
  intent.leaves.find((l) => l.token === token)?.label ?? token
