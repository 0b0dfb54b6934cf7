/**
 * The SSE writer on its own: frames carry event and id lines with increasing ids, a comment heartbeat keeps
 * a quiet stream alive (15 s in production; short here), and the stream ends when the run does.
 */
import { describe, expect, it } from 'vitest'
import { HEARTBEAT_MS, sseResponse } from '../../../edge/agent/sse.ts'

describe('sseResponse', () => {
  it('frames events with event/id lines and sends `: ping` while the run is quiet', async () => {
    const res = sseResponse(
      new AbortController().signal,
      async ({ send }) => {
        send({ event: 'iteration_start', data: { iteration: 1 } })
        // Quiet for several heartbeat periods, as while a slow model thinks.
        await new Promise((r) => setTimeout(r, 130))
        send({ event: 'done', data: { threadId: 'thr_test' } })
      },
      { heartbeatMs: 25 },
    )
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const text = await res.text()
    const blocks = text.split('\n\n').filter(Boolean)
    expect(blocks[0]).toBe('event: iteration_start\nid: 1\ndata: {"iteration":1}')
    expect(blocks.at(-1)).toBe('event: done\nid: 2\ndata: {"threadId":"thr_test"}')
    const pings = blocks.filter((b) => b === ': ping').length
    expect(pings).toBeGreaterThanOrEqual(3)
  })

  it('production heartbeat is 15 s', () => {
    expect(HEARTBEAT_MS).toBe(15_000)
  })

  it('no ping once the run has ended', async () => {
    const res = sseResponse(
      new AbortController().signal,
      async ({ send }) => {
        send({ event: 'done', data: { threadId: 'thr_x' } })
      },
      { heartbeatMs: 5 },
    )
    const text = await res.text()
    expect(text).not.toContain(': ping')
  })
})
