/** POST /chat as a signed-in user and the whole Server-Sent Events stream, parsed into events. */
import { createHttp, type Received } from './http.ts'

export type SseEvent = { readonly event: string; readonly data: Record<string, unknown> }

export async function chatStream(
  base: string,
  session: string,
  message: string,
  timeoutMs = 30_000,
): Promise<{ r: Received; events: SseEvent[] }> {
  const r = await createHttp(base, { timeoutMs }).send({
    method: 'POST',
    path: '/chat',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session}` },
    body: JSON.stringify({ message }),
  })
  const events: SseEvent[] = []
  for (const block of r.body.split('\n\n')) {
    const event = /^event: (.+)$/m.exec(block)?.[1]
    const data = /^data: (.+)$/m.exec(block)?.[1]
    if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> })
  }
  return { r, events }
}
