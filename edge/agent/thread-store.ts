/**
 * Threads and messages in D1. Every statement carries `user_id = ?`: another user's thread id finds
 * nothing, exactly like a missing one. Messages are stored as the chat message the model saw (JSON).
 */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import type { MessageRole, MessageView, ThreadView } from '../../shared/schemas/threads.ts'
import { newId } from '../lib/crypto.ts'

type ThreadRow = { id: string; title: string; created_at: number; updated_at: number }
type MessageRow = { id: string; role: MessageRole; content: string; created_at: number }

const view = (r: ThreadRow): ThreadView => ({
  id: r.id,
  title: r.title,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
})

export async function createThread(
  db: D1Database,
  userId: string,
  title: string,
  now: number,
): Promise<ThreadView> {
  const id = newId('thr')
  await db
    .prepare('INSERT INTO threads (id, user_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
    .bind(id, userId, title, now, now)
    .run()
  return view({ id, title, created_at: now, updated_at: now })
}

export async function getThread(db: D1Database, userId: string, id: string): Promise<ThreadView | undefined> {
  const r = await db
    .prepare('SELECT id, title, created_at, updated_at FROM threads WHERE id = ? AND user_id = ?')
    .bind(id, userId)
    .first<ThreadRow>()
  return r ? view(r) : undefined
}

export async function listThreads(db: D1Database, userId: string, limit: number): Promise<ThreadView[]> {
  const { results } = await db
    .prepare(
      'SELECT id, title, created_at, updated_at FROM threads WHERE user_id = ? ORDER BY updated_at DESC, id LIMIT ?',
    )
    .bind(userId, limit)
    .all<ThreadRow>()
  return results.map(view)
}

export async function renameThread(db: D1Database, userId: string, id: string, title: string, now: number) {
  const r = await db
    .prepare('UPDATE threads SET title = ?, updated_at = ? WHERE id = ? AND user_id = ?')
    .bind(title, now, id, userId)
    .run()
  return r.meta.changes > 0 ? getThread(db, userId, id) : undefined
}

export async function deleteThread(db: D1Database, userId: string, id: string): Promise<boolean> {
  const [, , threads] = await db.batch([
    db.prepare('DELETE FROM money_steps WHERE thread_id = ? AND user_id = ?').bind(id, userId),
    db.prepare('DELETE FROM messages WHERE thread_id = ? AND user_id = ?').bind(id, userId),
    db.prepare('DELETE FROM threads WHERE id = ? AND user_id = ?').bind(id, userId),
  ])
  return (threads?.meta.changes ?? 0) > 0
}

/** Appends in one batch (a D1 transaction), numbering after the thread's last message. */
export async function appendMessages(
  db: D1Database,
  userId: string,
  threadId: string,
  messages: readonly { role: MessageRole; content: ChatCompletionMessageParam }[],
  now: number,
): Promise<void> {
  if (messages.length === 0) return
  await db.batch([
    ...messages.map((m) =>
      db
        .prepare(
          `INSERT INTO messages (id, thread_id, user_id, seq, role, content, created_at)
           SELECT ?, t.id, t.user_id, COALESCE((SELECT MAX(seq) FROM messages WHERE thread_id = t.id), 0) + 1, ?, ?, ?
           FROM threads t WHERE t.id = ? AND t.user_id = ?`,
        )
        .bind(newId('msg'), m.role, JSON.stringify(m.content), now, threadId, userId),
    ),
    db.prepare('UPDATE threads SET updated_at = ? WHERE id = ? AND user_id = ?').bind(now, threadId, userId),
  ])
}

export async function listMessages(db: D1Database, userId: string, threadId: string): Promise<MessageView[]> {
  const { results } = await db
    .prepare(
      'SELECT id, role, content, created_at FROM messages WHERE thread_id = ? AND user_id = ? ORDER BY seq',
    )
    .bind(threadId, userId)
    .all<MessageRow>()
  return results.map((r) => ({
    id: r.id,
    role: r.role,
    content: JSON.parse(r.content) as unknown,
    createdAt: new Date(r.created_at).toISOString(),
  }))
}

/**
 * The history to send to the model: the last `max` messages, starting at a user message, with any
 * assistant tool-call step that lacks a result for every call dropped (the API refuses such a history).
 */
export function historyFor(messages: readonly MessageView[], max = 80): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = []
  const all = messages.map((m) => m.content as ChatCompletionMessageParam)
  for (let i = 0; i < all.length; i++) {
    const m = all[i]
    if (!m) continue
    if (m.role === 'assistant' && m.tool_calls?.length) {
      const ids = new Set(m.tool_calls.map((c) => c.id))
      const results: ChatCompletionMessageParam[] = []
      let j = i + 1
      for (; j < all.length; j++) {
        const r = all[j]
        if (r?.role !== 'tool') break
        results.push(r)
        ids.delete(r.tool_call_id)
      }
      if (ids.size === 0) out.push(m, ...results)
      i = j - 1
      continue
    }
    if (m.role !== 'tool') out.push(m)
  }
  let tail = out.slice(-max)
  const firstUser = tail.findIndex((m) => m.role === 'user')
  tail = firstUser >= 0 ? tail.slice(firstUser) : []
  return tail
}
