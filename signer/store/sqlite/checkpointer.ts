/**
 * WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside whichever commit crosses
 * the threshold and fsyncs there, stalling the event loop (and every in-flight signature) for tens of ms on
 * a busy disk. A worker thread with its own connection runs PASSIVE checkpoints instead, which never block
 * the writer.
 */
import { Worker } from 'node:worker_threads'

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('busy_timeout = 1000')
const timer = setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)') } catch {} }, workerData.everyMs)
parentPort.on('message', () => { clearInterval(timer); try { db.close() } catch {} ; parentPort.postMessage('closed') })
`

export type Checkpointer = { stop(): Promise<void> }

export function startCheckpointer(file: string, everyMs = 500): Checkpointer {
  const driver = import.meta.resolve('better-sqlite3').replace(/^file:\/\//, '')
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, everyMs, driver } })
  worker.unref()
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          void worker.terminate().then(() => resolve())
        }
        worker.once('message', done)
        worker.once('error', done)
        worker.postMessage('stop')
      }),
  }
}
