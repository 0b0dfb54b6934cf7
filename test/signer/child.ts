/** Runs signer entry points as child processes (real Node 22, real env), capturing their output. */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { record } from './helpers.ts'

export const ROOT = join(import.meta.dirname, '..', '..')
export const NODE = join(ROOT, 'node_modules', '.bin', 'node')

export type Exited = {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
}

export type Child = {
  readonly proc: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves when stdout contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>
  exited: Promise<Exited>
}

export function runChild(script: string, env: Record<string, string | undefined>): Child {
  const started = Date.now()
  const proc = spawn(NODE, [join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const waiters: (() => void)[] = []
  proc.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8')
    for (const w of waiters) w()
  })
  proc.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8')
  })
  const exited = new Promise<Exited>((resolve) => {
    proc.on('exit', (code, signal) => {
      // Let the pipes flush before reporting.
      setTimeout(() => {
        record(out)
        record(err)
        resolve({ code, signal, stdout: out, stderr: err, ms: Date.now() - started })
      }, 20)
    })
  })
  const waitFor = (text: string | RegExp, timeoutMs = 15_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const hit = () => (typeof text === 'string' ? out.includes(text) : text.test(out))
      if (hit()) return resolve(out)
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${text}; got: ${out}${err}`)),
        timeoutMs,
      )
      waiters.push(() => {
        if (hit()) {
          clearTimeout(timer)
          resolve(out)
        }
      })
      void exited.then(() => {
        clearTimeout(timer)
        if (hit()) resolve(out)
        else reject(new Error(`exited before ${text}; got: ${out}${err}`))
      })
    })
  return { proc, stdout: () => out, stderr: () => err, waitFor, exited }
}

/** The JSON log line with msg "signer listening". */
export function listeningLine(stdout: string): { port: number; healthPort: number | null } {
  const line = stdout.split('\n').find((l) => l.includes('"signer listening"'))
  if (!line) throw new Error('no listening line')
  return JSON.parse(line)
}
