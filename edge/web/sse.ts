/**
 * Reads Server-Sent Events from a fetch body (POST /chat cannot use EventSource, which only GETs).
 * Yields `{ event, data }` with `data` parsed as JSON; comments (`: ping`) and unparsable frames are skipped.
 */

export type Frame = { readonly event: string; readonly data: unknown }

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n')
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const frame = parseFrame(buffer.slice(0, end))
      buffer = buffer.slice(end + 2)
      if (frame) yield frame
      end = buffer.indexOf('\n\n')
    }
  }
}

function parseFrame(raw: string): Frame | undefined {
  let event = 'message'
  const data: string[] = []
  for (const line of raw.split('\n')) {
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const key = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (key === 'event') event = value
    else if (key === 'data') data.push(value)
  }
  if (data.length === 0) return undefined
  try {
    return { event, data: JSON.parse(data.join('\n')) }
  } catch {
    return undefined
  }
}
