/** A private redis-server on loopback: own port, own data folder, no persistence between runs unless asked. */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { freePort, waitForPort } from './ports.ts'

export type RedisHandle = {
  readonly port: number
  readonly url: string
  readonly process: ChildProcess
  stop(): Promise<void>
}

export async function startRedis(dataDir: string, port?: number): Promise<RedisHandle> {
  mkdirSync(dataDir, { recursive: true })
  const p = port ?? (await freePort())
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(p),
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${stderr.trim()}`))),
  )
  await Promise.race([waitForPort(p), exited])
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    process: child,
    stop: () => stopChild(child),
  }
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the child is gone. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
