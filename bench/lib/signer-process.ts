/**
 * A signer as its own process (`node signer/main.ts`), for benchmarks: the load generator must not share its
 * event loop. Resolves with the port from the "signer listening" line; a signer still running when the bench
 * exits (a crash, an exception in a callback) is killed with it, never left behind holding its port.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'

export type SignerProcess = { readonly port: number; stop(): Promise<void> }

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export function startSigner(root: string, env: Readonly<Record<string, string>>): Promise<SignerProcess> {
  const child = spawn(join(root, 'node_modules/.bin/node'), [join(root, 'signer/main.ts')], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  return new Promise((resolve, reject) => {
    let out = ''
    let ready = false
    child.stdout?.on('data', (c: Buffer) => {
      // Request logs stay on (an honest production setting); they are drained and dropped here.
      if (ready) return
      out += c.toString()
      const line = out.split('\n').find((l) => l.includes('signer listening'))
      if (!line) return
      ready = true
      resolve({
        port: JSON.parse(line).port,
        stop: () =>
          new Promise((r) => {
            if (child.exitCode !== null) return r()
            child.once('exit', () => r())
            child.kill('SIGTERM')
          }),
      })
    })
    child.once('exit', (code) => {
      if (!ready) reject(new Error(`signer exited ${code}: ${out.slice(-2000)}`))
    })
  })
}
