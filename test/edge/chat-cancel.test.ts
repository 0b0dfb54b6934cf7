/**
 * A client that goes away stops the run: the SSE stream's cancel aborts the loop, so no further model call
 * is made and no tool runs after the disconnect. The scripted model streams slowly here (control /delay) so
 * the disconnect lands mid-run; the delay is reset afterwards.
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { signedInUser, testApp } from './support/app.ts'
import { MODEL_ENV, modelRequests, script, uniqueKey } from './support/chat.ts'

const CONTROL = String(Reflect.get(env, 'TEST_MODEL_CONTROL_URL'))
const delay = (ms: number) => fetch(`${CONTROL}/delay`, { method: 'POST', body: JSON.stringify({ ms }) })

describe('POST /chat when the client disconnects', () => {
  afterEach(async () => {
    await delay(0)
  })

  it('stops: the second model call is never made', async () => {
    const key = uniqueKey('cancel')
    await script(key, [
      { toolCalls: [{ name: 'utilities', arguments: { action: 'network_status' } }] },
      { text: 'This answer would take a long time to stream, word by word, chunk by chunk.' },
    ])
    await delay(120)
    const call = testApp({ env: MODEL_ENV })
    const user = await signedInUser()
    const aborter = new AbortController()
    const res = await call('/chat', {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ message: `[script:${key}] how is the network?` }),
      signal: aborter.signal,
    })
    expect(res.status).toBe(200)
    const reader = res.body?.getReader()
    if (!reader) throw new Error('no body')
    // Read until the first frame has arrived, then leave.
    const first = await reader.read()
    expect(first.done).toBe(false)
    aborter.abort()
    await reader.cancel()
    // Long enough for the tool-call step and a second completion to have happened had the run continued.
    await new Promise((r) => setTimeout(r, 2_500))
    const { requests } = await modelRequests(key)
    expect(requests.length).toBeLessThanOrEqual(1)
  })
})
