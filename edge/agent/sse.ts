/**
 * A Server-Sent Events response: `event:` and `id:` lines on every frame, a `: ping` comment every 15 s so
 * proxies keep the connection open, and an abort signal that fires when the client goes away (the stream is
 * cancelled) or the request is aborted.
 */
import type { ChatEvent } from '../../shared/schemas/chat-events.ts'

export const HEARTBEAT_MS = 15_000

export type SseWriter = {
  readonly send: (event: ChatEvent) => void
  readonly signal: AbortSignal
}

export function sseResponse(
  requestSignal: AbortSignal,
  run: (writer: SseWriter) => Promise<void>,
  opts: { heartbeatMs?: number; headers?: Record<string, string> } = {},
): Response {
  const gone = new AbortController()
  const signal = AbortSignal.any([requestSignal, gone.signal])
  const encoder = new TextEncoder()
  let nextId = 0
  let closed = false
  let heartbeat: ReturnType<typeof setInterval> | undefined
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (s: string) => {
        if (closed) return
        try {
          controller.enqueue(encoder.encode(s))
        } catch {
          closed = true
        }
      }
      heartbeat = setInterval(() => write(': ping\n\n'), opts.heartbeatMs ?? HEARTBEAT_MS)
      const send = (e: ChatEvent) =>
        write(`event: ${e.event}\nid: ${++nextId}\ndata: ${JSON.stringify(e.data)}\n\n`)
      run({ send, signal }).finally(() => {
        clearInterval(heartbeat)
        if (!closed) {
          closed = true
          controller.close()
        }
      })
    },
    cancel() {
      closed = true
      clearInterval(heartbeat)
      gone.abort()
    },
  })
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      ...(opts.headers ?? {}),
    },
  })
}
