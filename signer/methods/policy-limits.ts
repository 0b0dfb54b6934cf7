/**
 * policy.get / policy.set: the caller's effective limits, and their own stricter limits and destination
 * allow-lists. A limit above the deployment's is refused (the merge would ignore it anyway: it takes the
 * minimum), so nobody believes they raised a cap. A change that loosens the user's own limits or widens an
 * allow-list (isLoosening) needs the user's proof over a challenge naming the exact change; tightening goes
 * through on the edge's word. Threat this stops: a compromised edge removing the limits a user set.
 */
import type { Failure } from '../../shared/result.ts'
import { amountProblem, fromStroops, toStroops } from '../../shared/schemas/money.ts'
import type { SignerParams, SignerResult } from '../../shared/schemas/signer-rpc.ts'
import { effectivePolicy, type UserPolicy } from '../policy/config.ts'
import { isLoosening } from '../policy/loosening.ts'
import { readUserPolicy, writeUserPolicy } from '../policy/store.ts'
import { FEE_LEDGER_KEY } from '../store/ledger.ts'
import { proveOperation } from '../user-proof/consume.ts'
import { ACCOUNT_NOT_FOUND, done, type MethodContext, type Outcome, refused } from './context.ts'

type View = SignerResult<'policy.get'>

async function view(ctx: MethodContext, user: UserPolicy | undefined): Promise<View> {
  // Rolling 24 hours, the window the caps are checked over (`spentToday` keeps its wire name).
  const spent = await ctx.tx.spending.spentInWindow(ctx.userId, ctx.now)
  const merged = effectivePolicy(ctx.policy, user, '')
  const assets: View['assets'] = {}
  for (const [key, l] of merged.assets) {
    assets[key] = {
      perTx: fromStroops(l.perTx),
      daily: fromStroops(l.daily),
      approvalAbove: l.approvalAbove === null ? null : fromStroops(l.approvalAbove),
      spentToday: fromStroops(spent.get(key) ?? 0n),
    }
  }
  return {
    assets,
    destinations: user?.destinations ?? {},
    feeCeilingPerOpStroops: ctx.policy.feeCeilingPerOp.toString(),
    feeBudgetDaily: fromStroops(merged.feeBudgetDaily),
    feesSpent: fromStroops(spent.get(FEE_LEDGER_KEY) ?? 0n),
    maxTimeAheadSeconds: ctx.policy.maxTimeAheadSeconds,
    approvalTtlSeconds: ctx.policy.approvalTtlSeconds,
  }
}

export async function policyGet(
  ctx: MethodContext,
  _params: SignerParams<'policy.get'>,
): Promise<Outcome<View>> {
  return done(await view(ctx, await readUserPolicy(ctx.tx, ctx.userId)))
}

const invalid = (message: string): Failure => ({ code: 'ERR_VALIDATION', message })

export async function policySet(
  ctx: MethodContext,
  params: SignerParams<'policy.set'>,
): Promise<Outcome<View>> {
  const current = await readUserPolicy(ctx.tx, ctx.userId)
  const next: UserPolicy = {
    assets: { ...(current?.assets ?? {}) },
    destinations: { ...(current?.destinations ?? {}) },
  }
  for (const [key, limits] of Object.entries(params.assets ?? {})) {
    const base = ctx.policy.assets.get(key)
    if (!base) return refused(invalid(`params.assets.${key}: no such asset in the policy`))
    for (const [field, value] of Object.entries(limits)) {
      if (value === undefined) continue
      const problem = amountProblem(value)
      if (problem) return refused(invalid(`params.assets.${key}.${field}: ${problem}`))
      // approvalAbove is checked against the deployment's automatic level, not its perTx: raising it would
      // sign more without asking.
      const ceiling =
        field === 'daily'
          ? base.daily
          : field === 'approvalAbove'
            ? (base.approvalAbove ?? base.perTx)
            : base.perTx
      if (toStroops(value) > ceiling) {
        return refused(invalid(`params.assets.${key}.${field}: limits may only be lowered`))
      }
    }
    next.assets[key] = limits
  }
  for (const [accountId, list] of Object.entries(params.destinations ?? {})) {
    if (!(await ctx.tx.accounts.get(ctx.userId, accountId))) return refused(ACCOUNT_NOT_FOUND, accountId)
    next.destinations[accountId] = list
  }
  if (isLoosening(current, next)) {
    const { proof: _proof, ...change } = params
    const refusal = await proveOperation(ctx, { method: 'policy.set', change })
    if (refusal) return refused(refusal)
  }
  await writeUserPolicy(ctx.tx, ctx.userId, next, ctx.now.toISOString())
  return done(await view(ctx, next))
}
