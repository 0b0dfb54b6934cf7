/**
 * The Upstash REST bridge as its own process (`node bridge-process.ts <redisUrl>`, token on stdin's env):
 * Upstash is remote in production, so under load the bridge must not share the event loop of the process
 * that generates the load. Prints `{"url": …}` once listening; exits when its parent closes stdin.
 */
import { startUpstashBridge } from '../../../scripts/lib/upstash-bridge.ts'

const redisUrl = process.argv[2] ?? ''
const token = process.env.BRIDGE_TOKEN ?? ''
const bridge = await startUpstashBridge({ redisUrl, token })
process.stdout.write(`${JSON.stringify({ url: bridge.url })}\n`)
process.stdin.resume()
process.stdin.on('end', () => {
  void bridge.close().then(() => process.exit(0))
})
