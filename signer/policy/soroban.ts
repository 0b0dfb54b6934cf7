/**
 * Soroban, deny by default: what an `invoke_host_function` operation asks the signing account to authorise,
 * read node by node, or refused. Pure.
 *
 * Threat: the signer signing a contract call it cannot read — a pool's `submit(me, me, ATTACKER, …)`, a
 * vault's withdraw to someone else, a token's `send` — with zero spend counted. Here every authorization
 * entry the account authorises (source-account credentials, or address credentials naming it; when there is
 * none, the operation's own host function) is walked to any depth, and every node must be understood:
 * - a SEP-41 `transfer` / `burn` / `approve` on the Stellar Asset Contract of a configured asset (the SAC ids
 *   come from the asset and the network passphrase, signer/policy/config.ts): counted against the caps;
 * - a call that a protocol decoder reads (signer/policy/protocols/, ids from shared/network.ts);
 * - anything else is an unknown call: never signed automatically — it needs a person's approval, with the
 *   plain reason "calls `fn` on unknown contract C…, effects unknown", or is refused outright where the
 *   deployment says so (`soroban.unknownContracts: "deny"`). Token moves beneath it still count.
 * Uploading code or creating contracts is refused. Refusals carry a stable code and the node's path
 * ("auth 1 node 0.2: blend submit request 3: unknown request_type 12"); unreadable never means zero.
 */
import type { xdr } from '@stellar/stellar-sdk/base'
import type { ErrorCode } from '../../shared/errors.ts'
import type { PreviewLine } from '../../shared/schemas/signer-rpc.ts'
import type { Policy } from './config.ts'
import { decodeBlend } from './protocols/blend.ts'
import { decodeDefindex } from './protocols/defindex.ts'
import {
  accountOf,
  addressString,
  amountFields,
  type Call,
  callOf,
  contractCall,
  isOwner,
  money,
  type ReadContext,
  type Reading,
  Refusal,
  refuse,
  short,
  spendFrom,
} from './protocols/read.ts'
import type { KnownContract, ProtocolKind, SorobanSettings } from './protocols/registry.ts'
import { decodeSoroswapAggregator, decodeSoroswapRouter } from './protocols/soroswap.ts'
import { TOKEN_MOVE_FNS, type TokenMove, tokenMoveOf } from './protocols/token.ts'

export type { Reading } from './protocols/read.ts'

export type SorobanContext = ReadContext & { readonly settings: SorobanSettings }

/** The one way to build the reading context (evaluate.ts, and the approval preview), so both read alike. */
export function sorobanContext(
  policy: Pick<Policy, 'tokenContracts' | 'maxTimeAheadSeconds' | 'soroban'>,
  signer: string,
  ownAccounts: ReadonlySet<string> | undefined,
  now: Date,
): SorobanContext {
  return {
    owner: signer,
    ownAccounts: ownAccounts ?? new Set([signer]),
    tokenContracts: policy.tokenContracts,
    nowSeconds: BigInt(Math.floor(now.getTime() / 1000)),
    maxTimeAheadSeconds: policy.maxTimeAheadSeconds,
    settings: policy.soroban,
  }
}

/** The parts of an invoke_host_function operation that are read (stellar-sdk's operation record). */
export type HostFunctionOp = {
  readonly func: xdr.HostFunction
  readonly auth?: readonly xdr.SorobanAuthorizationEntry[]
}

export type SorobanResult =
  | { readonly ok: true; readonly reading: Reading }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string }

type Decoder = (call: Call, known: KnownContract, ctx: ReadContext, out: Reading) => boolean

const DECODERS: Readonly<Record<ProtocolKind, Decoder>> = {
  'blend-pool': decodeBlend,
  'defindex-vault': decodeDefindex,
  'soroswap-router': decodeSoroswapRouter,
  'soroswap-aggregator': decodeSoroswapAggregator,
}

/** Deeper than any protocol read here nests (the aggregator's deepest leaf is 4 below its root). */
const MAX_DEPTH = 8

export function readSorobanOp(op: HostFunctionOp, ctx: SorobanContext): SorobanResult {
  const out: Reading = { spend: [], destinations: [], approvals: [], lines: [] }
  try {
    const kind = op.func.type
    if (kind !== 'hostFunctionTypeInvokeContract') {
      const what =
        kind === 'hostFunctionTypeUploadContractWasm' ? 'uploads contract code' : 'creates a contract'
      refuse('ERR_POLICY_SOROBAN_HOST_FUNCTION', `the operation ${what}; only contract calls are signed`)
    }
    const entries = op.auth ?? []
    let ours = 0
    entries.forEach((entry, a) => {
      if (!authorisedByOwner(entry.credentials, ctx.owner)) return
      ours++
      visit(entry.rootInvocation, `auth ${a} node 0`, 0, ctx, out)
    })
    // No authorization of ours: read the call itself (it can still cost fees, and deny-by-default holds).
    if (ours === 0 && op.func.type === 'hostFunctionTypeInvokeContract') {
      visitCall({ ...contractCall(op.func.invokeContract), subs: [] }, 'call', 0, ctx, out)
    }
  } catch (e) {
    // Whatever the SDK throws on a malformed entry is a refusal with a stable code, never a crash or a pass.
    const r =
      e instanceof Refusal ? e : new Refusal('ERR_POLICY_SOROBAN_ARGS', 'unreadable authorization entry')
    return { ok: false, code: r.code, message: r.at ? `${r.at}: ${r.message}` : r.message }
  }
  return { ok: true, reading: out }
}

/** The preview lines of one operation's contract calls (a refused one reads as its refusal). */
export function sorobanPreviewLines(op: HostFunctionOp, ctx: SorobanContext): PreviewLine[] {
  const r = readSorobanOp(op, ctx)
  return r.ok ? r.reading.lines : [{ kind: 'unknown_call', text: `Refused: ${r.message}` }]
}

/**
 * Source-account credentials are the operation source's (checked to be the signer); address credentials name
 * theirs. Any other kind (delegates) is walked as ours: reading too much only ever refuses more.
 */
function authorisedByOwner(c: xdr.SorobanCredentials, owner: string): boolean {
  const address =
    c.type === 'sorobanCredentialsAddress'
      ? c.address.address
      : c.type === 'sorobanCredentialsAddressV2'
        ? c.addressV2.address
        : undefined
  return address === undefined || accountOf(addressString(address)) === owner
}

function visit(
  inv: xdr.SorobanAuthorizedInvocation,
  path: string,
  depth: number,
  ctx: SorobanContext,
  out: Reading,
) {
  const call = callOf(inv)
  if (!call) {
    throw located(
      new Refusal('ERR_POLICY_SOROBAN_HOST_FUNCTION', 'creates a contract with the account’s authorisation'),
      path,
    )
  }
  visitCall(call, path, depth, ctx, out)
}

function visitCall(call: Call, path: string, depth: number, ctx: SorobanContext, out: Reading): void {
  try {
    if (depth > MAX_DEPTH) refuse('ERR_POLICY_SOROBAN_DEPTH', `nested more than ${MAX_DEPTH} levels`)
    const known = ctx.settings.registry.get(call.contract)
    if (known) {
      if (!DECODERS[known.kind](call, known, ctx, out)) unknownCall(call, known.label, path, depth, ctx, out)
      return
    }
    if (ctx.tokenContracts.has(call.contract)) {
      const move = tokenMoveOf(call, call.fn)
      if (move) {
        if (call.subs.length > 0) refuse('ERR_POLICY_SOROBAN_DEPTH', `${call.fn} with sub-invocations`)
        tokenMove(call, move, ctx, out)
        return
      }
    } else if (TOKEN_MOVE_FNS.has(call.fn)) {
      // A token we have no limit for cannot be moved: we could not tell what it is worth.
      const move = quietly(() => tokenMoveOf(call, call.fn))
      if (move && isOwner(move.from, ctx)) {
        refuse('ERR_POLICY_OPERATION', `${call.fn} on an unknown token contract ${call.contract}`)
      }
    }
    unknownCall(call, `unknown contract ${call.contract}`, path, depth, ctx, out)
  } catch (e) {
    throw located(e, path)
  }
}

function unknownCall(
  call: Call,
  label: string,
  path: string,
  depth: number,
  ctx: SorobanContext,
  out: Reading,
) {
  if (ctx.settings.unknownContracts === 'deny') {
    refuse(
      'ERR_POLICY_SOROBAN_UNKNOWN_CALL',
      `calls \`${call.fn}\` on ${label}; this deployment refuses unknown calls`,
    )
  }
  const reason = `calls \`${call.fn}\` on ${label}, effects unknown`
  out.approvals.push(reason)
  out.lines.push({ kind: 'unknown_call', contract: call.contract, text: reason.replace(/^c/, 'C') })
  call.subs.forEach((inv, i) => {
    visit(inv, `${path}.${i}`, depth + 1, ctx, out)
  })
}

function tokenMove(call: Call, move: TokenMove, ctx: ReadContext, out: Reading): void {
  const mine = isOwner(move.from, ctx)
  if (mine) {
    spendFrom(call.contract, move.amount, ctx, out)
    // For approve, `to` is the spender: it can move the funds anywhere, so it is checked like a payee.
    if (move.to !== null) out.destinations.push(accountOf(move.to))
  }
  const m = money(call.contract, move.amount, ctx)
  const whose = mine ? '' : ` from ${short(move.from)}`
  const text =
    move.fn === 'burn'
      ? `Burn ${m}${whose}`
      : move.fn === 'approve'
        ? `Allow ${short(move.to ?? '')} to spend ${m}${whose}`
        : `Send ${m}${whose} to ${short(move.to ?? '')}`
  out.lines.push({
    kind: 'contract_call',
    contract: call.contract,
    text,
    ...(mine ? amountFields(call.contract, move.amount, ctx) : {}),
    ...(move.to !== null ? { destination: move.to } : {}),
  })
}

/** The innermost node's path wins; anything the SDK throws on a malformed value is "unreadable", not a crash. */
function located(e: unknown, path: string): Refusal {
  const r = e instanceof Refusal ? e : new Refusal('ERR_POLICY_SOROBAN_ARGS', 'unreadable value')
  r.at ??= path
  return r
}

function quietly<T>(f: () => T): T | undefined {
  try {
    return f()
  } catch {
    return undefined
  }
}
