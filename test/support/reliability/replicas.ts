/**
 * Signer replicas of one deployment for the replica reliability tests (issue 16): the same secrets, TLS
 * identity, policy and database URL, each on its own ports, data folder and log file, each SIGKILLed and
 * restarted on its own. What the tests do to them is what a host failure does to a CVM: no drain, no goodbye.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../../../scripts/lib/ports.ts'
import { type SignerHandle, startSignerProcess } from '../../../scripts/lib/signer-process.ts'

export type SignerReplica = {
  readonly index: number
  /** https://127.0.0.1:<port>: fixed for the replica's life, restarts included. */
  readonly url: string
  readonly port: number
  readonly env: Readonly<Record<string, string>>
  readonly dataDir: string
  readonly logFile: string
  handle(): SignerHandle
  /** Running (not killed, not exited)? */
  alive(): boolean
  /** SIGKILL, as a host failure: resolves once the process is gone. */
  kill(): Promise<void>
  /** Stops it if running (SIGTERM), then starts it again on the same port and data folder. */
  restart(): Promise<void>
  stop(): Promise<void>
}

/** Replica 0 keeps the single signer's folder and log names, so one-signer tests read the same paths. */
const suffix = (index: number): string => (index === 0 ? '' : `-${index}`)

export async function startReplica(
  index: number,
  o: { readonly root: string; readonly work: string; readonly env: Readonly<Record<string, string>> },
): Promise<SignerReplica> {
  const dataDir = join(o.work, `signer-data${suffix(index)}`)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const logFile = join(o.work, `signer${suffix(index)}.log`)
  const port = await freePort()
  const env: Record<string, string> = {
    ...o.env,
    SIGNER_DATA_DIR: dataDir,
    SIGNER_PORT: String(port),
    SIGNER_HEALTH_PORT: String(await freePort()),
  }
  const launch = () => startSignerProcess(env, { cwd: o.root, logFile })
  let handle = await launch()
  const alive = () => handle.process.exitCode === null && handle.process.signalCode === null
  return {
    index,
    url: `https://127.0.0.1:${port}`,
    port,
    env,
    dataDir,
    logFile,
    handle: () => handle,
    alive,
    kill: () =>
      new Promise<void>((resolve) => {
        if (!alive()) return resolve()
        handle.process.once('exit', () => resolve())
        handle.process.kill('SIGKILL')
      }),
    restart: async () => {
      if (alive()) await handle.stop()
      handle = await launch()
    },
    stop: () => handle.stop(),
  }
}
