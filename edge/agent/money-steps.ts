/**
 * The state of each money step in a thread (D1 table money_steps), so a reopened thread tells a returning
 * user whether their money went out, is waiting for them, or was refused — instead of replaying the tool's
 * first answer. Written by the chat event path (an approval asked for, a transaction submitted) and by the
 * approval routes (approved, rejected, submitted after approval) and, for a transaction the user signed in
 * their own wallet, by the external-wallet submit route (submitted or failed). Every statement carries `user_id = ?`, and
 * a step only moves forward (`canMove`): a late or replayed write cannot turn "rejected" into "submitted".
 */
import type { ChatEvent } from '../../shared/schemas/chat-events.ts'
import type { MoneyStep, MoneyStepStatus } from '../../shared/schemas/threads.ts'
import { newId } from '../lib/crypto.ts'

type Row = {
  call_id: string
  approval_id: string | null
  status: MoneyStepStatus
  tx_hash: string | null
  ledger: number | null
  fee: string | null
  updated_at: number
}

/**
 * Which states a step may move to from each state; final states move nowhere. The network's refusal of one
 * attempt is not final for the transaction (a wallet re-signs the same one and it lands: `failed` →
 * `submitted`); its acceptance is (a replay refused after it landed changes nothing).
 */
const NEXT: Readonly<Record<MoneyStepStatus, readonly MoneyStepStatus[]>> = {
  pending: ['approved', 'rejected', 'expired', 'submitted', 'failed'],
  approved: ['submitted', 'failed'],
  rejected: [],
  expired: [],
  submitted: [],
  failed: ['submitted'],
}

export const canMove = (from: MoneyStepStatus, to: MoneyStepStatus): boolean => NEXT[from].includes(to)

/** The states a step must be in for a move to `to` (the SQL guard of `canMove`). */
export const movableFrom = (to: MoneyStepStatus): MoneyStepStatus[] =>
  (Object.keys(NEXT) as MoneyStepStatus[]).filter((from) => canMove(from, to))

const view = (r: Row): MoneyStep => ({
  callId: r.call_id,
  approvalId: r.approval_id,
  status: r.status,
  txHash: r.tx_hash,
  ledger: r.ledger,
  fee: r.fee,
  updatedAt: new Date(r.updated_at).toISOString(),
})

export type NewStep = {
  readonly callId: string
  readonly status: 'pending' | 'submitted'
  readonly approvalId?: string | undefined
  readonly txHash?: string | undefined
  readonly ledger?: number | undefined
  readonly fee?: string | undefined
}

/** Records a step of one of the user's own threads (the INSERT … SELECT finds nothing for another's). */
export async function recordStep(
  db: D1Database,
  userId: string,
  threadId: string,
  step: NewStep,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO money_steps (id, user_id, thread_id, call_id, approval_id, status, tx_hash, ledger, fee, created_at, updated_at)
       SELECT ?, t.user_id, t.id, ?, ?, ?, ?, ?, ?, ?, ? FROM threads t WHERE t.id = ? AND t.user_id = ?
       ON CONFLICT (thread_id, call_id) DO NOTHING`,
    )
    .bind(
      newId('mst'),
      step.callId,
      step.approvalId ?? null,
      step.status,
      step.txHash ?? null,
      step.ledger ?? null,
      step.fee ?? null,
      now,
      now,
      threadId,
      userId,
    )
    .run()
}

export type StepUpdate = {
  readonly status: MoneyStepStatus
  readonly txHash?: string | undefined
  readonly ledger?: number | undefined
  readonly fee?: string | null | undefined
}

/** Moves the step that asked for `approvalId` forward; a move `canMove` forbids changes nothing. */
export async function markApprovalStep(
  db: D1Database,
  userId: string,
  approvalId: string,
  update: StepUpdate,
  now: number,
): Promise<boolean> {
  const from = movableFrom(update.status)
  if (from.length === 0) return false
  const r = await db
    .prepare(
      `UPDATE money_steps SET status = ?, tx_hash = COALESCE(?, tx_hash), ledger = COALESCE(?, ledger),
         fee = COALESCE(?, fee), updated_at = ?
       WHERE user_id = ? AND approval_id = ? AND status IN (${from.map(() => '?').join(', ')})`,
    )
    .bind(
      update.status,
      update.txHash ?? null,
      update.ledger ?? null,
      update.fee ?? null,
      now,
      userId,
      approvalId,
      ...from,
    )
    .run()
  return r.meta.changes > 0
}

export type WalletOutcome = {
  readonly status: 'submitted' | 'failed'
  readonly txHash: string
  readonly ledger?: number | undefined
  readonly fee?: string | null | undefined
}

/**
 * External-wallet mode: the step of the tool call that offered an unsigned transaction, written when the
 * user's own signed envelope goes through POST /api/transactions/submit-signed. The first outcome creates
 * the step; a later one moves it only where `canMove` allows. Only the user's own thread is written (the
 * INSERT … SELECT finds nothing for another's), and never an approval's step.
 */
export async function recordWalletStep(
  db: D1Database,
  userId: string,
  ref: { readonly threadId: string; readonly callId: string },
  outcome: WalletOutcome,
  now: number,
): Promise<void> {
  const from = movableFrom(outcome.status)
  await db
    .prepare(
      `INSERT INTO money_steps (id, user_id, thread_id, call_id, approval_id, status, tx_hash, ledger, fee, created_at, updated_at)
       SELECT ?, t.user_id, t.id, ?, NULL, ?, ?, ?, ?, ?, ? FROM threads t WHERE t.id = ? AND t.user_id = ?
       ON CONFLICT (thread_id, call_id) DO UPDATE SET status = excluded.status, tx_hash = excluded.tx_hash,
         ledger = excluded.ledger, fee = excluded.fee, updated_at = excluded.updated_at
       WHERE money_steps.user_id = excluded.user_id AND money_steps.approval_id IS NULL
         AND money_steps.status IN (${from.map(() => '?').join(', ')})`,
    )
    .bind(
      newId('mst'),
      ref.callId,
      outcome.status,
      outcome.txHash,
      outcome.ledger ?? null,
      outcome.fee ?? null,
      now,
      now,
      ref.threadId,
      userId,
      ...from,
    )
    .run()
}

/**
 * The unsigned transaction that tool call `callId` of the user's thread offered for their own wallet (its
 * stored result's `data.unsignedXdr`), or undefined: only such a step can record a wallet submission.
 */
export async function offeredXdr(
  db: D1Database,
  userId: string,
  ref: { readonly threadId: string; readonly callId: string },
): Promise<string | undefined> {
  const row = await db
    .prepare(
      `SELECT json_extract(content, '$.content') AS result FROM messages
       WHERE thread_id = ? AND user_id = ? AND role = 'tool' AND json_extract(content, '$.tool_call_id') = ?`,
    )
    .bind(ref.threadId, userId, ref.callId)
    .first<{ result: string | null }>()
  if (typeof row?.result !== 'string') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(row.result)
  } catch {
    return undefined
  }
  const data: unknown =
    typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'data') : undefined
  return str(data, 'unsignedXdr')
}

export async function listSteps(db: D1Database, userId: string, threadId: string): Promise<MoneyStep[]> {
  const { results } = await db
    .prepare(
      `SELECT call_id, approval_id, status, tx_hash, ledger, fee, updated_at FROM money_steps
       WHERE user_id = ? AND thread_id = ? ORDER BY created_at, call_id`,
    )
    .bind(userId, threadId)
    .all<Row>()
  return results.map(view)
}

const str = (o: unknown, k: string): string | undefined => {
  const v: unknown = typeof o === 'object' && o !== null ? Reflect.get(o, k) : undefined
  return typeof v === 'string' ? v : undefined
}

/** Pure: the step a chat event starts, if it is about money (an approval asked for, a transaction landed). */
export function stepOf(e: ChatEvent): NewStep | undefined {
  if (e.event === 'approval_required' && e.data.approvalId)
    return { callId: e.data.callId, status: 'pending', approvalId: e.data.approvalId, txHash: e.data.txHash }
  if (e.event === 'tool_result') {
    const hash = str(e.data.data, 'hash')
    const ledger: unknown =
      typeof e.data.data === 'object' && e.data.data !== null ? Reflect.get(e.data.data, 'ledger') : undefined
    if (hash && /^[0-9a-f]{64}$/.test(hash) && typeof ledger === 'number' && Number.isInteger(ledger))
      return {
        callId: e.data.callId,
        status: 'submitted',
        txHash: hash,
        ledger,
        fee: str(e.data.data, 'fee'),
      }
  }
  return undefined
}

/**
 * For the chat event path: `observe` each event as it is sent; `flush` waits for the writes before the
 * stream's last frame, so a thread reopened right after a turn already has its steps.
 */
export function stepRecorder(
  db: D1Database,
  userId: string,
  threadId: string,
  now: () => number,
  onError: (e: unknown) => void,
) {
  const writes: Promise<void>[] = []
  return {
    observe(e: ChatEvent): void {
      const step = stepOf(e)
      // A failed history write must not end the turn (the money already moved or waits): it is logged.
      if (step) writes.push(recordStep(db, userId, threadId, step, now()).catch(onError))
    },
    async flush(): Promise<void> {
      await Promise.all(writes)
    },
  }
}
