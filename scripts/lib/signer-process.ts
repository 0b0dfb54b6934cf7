/**
 * Launches the signer as its own Node process (as in production: a separate trust domain) and waits for
 * its "signer listening" log line, which carries the ports it bound.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { stopChild } from './redis.ts'

export type SignerHandle = {
  readonly port: number
  readonly healthPort: number
  readonly url: string
  readonly process: ChildProcess
  stop(): Promise<void>
}

export type SignerEnv = Readonly<Record<string, string>>

export async function startSignerProcess(
  env: SignerEnv,
  opts: { cwd: string; logFile?: string; echo?: boolean; timeoutMs?: number },
): Promise<SignerHandle> {
  const child = spawn(process.execPath, ['signer/main.ts'], {
    cwd: opts.cwd,
    // Only what the signer needs: the parent's secrets (LLM keys, tokens) never reach it.
    env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined
  const tail: string[] = []
  const onLine = (line: string) => {
    log?.write(`${line}\n`)
    if (opts.echo) process.stdout.write(`[signer] ${line}\n`)
    tail.push(line)
    if (tail.length > 20) tail.shift()
  }
  if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine)
  const stdout = child.stdout ? createInterface({ input: child.stdout }) : undefined

  const ready = new Promise<{ port: number; healthPort: number }>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`signer did not start within ${opts.timeoutMs ?? 15_000} ms:\n${tail.join('\n')}`)),
      opts.timeoutMs ?? 15_000,
    )
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`signer exited with code ${code}:\n${tail.join('\n')}`))
    })
    stdout?.on('line', (line) => {
      onLine(line)
      try {
        const rec = JSON.parse(line) as { msg?: unknown; port?: unknown; healthPort?: unknown }
        if (
          rec.msg === 'signer listening' &&
          typeof rec.port === 'number' &&
          typeof rec.healthPort === 'number'
        ) {
          clearTimeout(timer)
          resolve({ port: rec.port, healthPort: rec.healthPort })
        }
      } catch {
        // not JSON: a plain line, already recorded
      }
    })
  })
  try {
    const { port, healthPort } = await ready
    return {
      port,
      healthPort,
      url: `https://127.0.0.1:${port}`,
      process: child,
      stop: async () => {
        await stopChild(child)
        log?.end()
      },
    }
  } catch (e) {
    child.kill('SIGKILL')
    throw e
  }
}
