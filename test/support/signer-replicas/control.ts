/**
 * Extra signer replicas for the edge's failover and rollback tests, driven over a loopback control channel
 * (tests run inside workerd, which cannot start processes). Each replica is a real signer process, with the
 * stack's certificates and secrets and its own SQLite database (shared storage is PostgreSQL's job); a
 * replica keeps its port across restarts, so its URL in SIGNER_URLS stays valid. Started on first use only:
 * the other test files pay nothing.
 *   POST /start    { name }   start (or start again) replica `name` → { url }
 *   POST /stop     { name }   SIGTERM it (its database stays)
 *   POST /kill     { name }   SIGKILL it
 *   POST /snapshot { name }   stop it, copy signer.sqlite (+ -wal, -shm) aside, start it again → { url }
 *   POST /restore  { name }   stop it, put the copy back (the database rolled back), start it → { url }
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Pki } from '../../../scripts/lib/certs.ts'
import type { DevSecrets } from '../../../scripts/lib/secrets.ts'
import { type SignerHandle, startSignerProcess } from '../../../scripts/lib/signer-process.ts'
import { type NetworkVars, signerEnvFor } from '../../../scripts/lib/stack.ts'

export type ReplicaControl = { readonly url: string; close(): Promise<void> }

const DB_FILES = ['signer.sqlite', 'signer.sqlite-wal', 'signer.sqlite-shm']
const NAME = /^[a-z0-9-]{1,32}$/

type Replica = { port: number; handle: SignerHandle | undefined; dataDir: string; snapDir: string }

export async function startReplicaControl(opts: {
  root: string
  stateDir: string
  pki: Pki
  secrets: DevSecrets
  network: NetworkVars
}): Promise<ReplicaControl> {
  const replicas = new Map<string, Replica>()

  const start = async (name: string): Promise<string> => {
    let r = replicas.get(name)
    if (!r) {
      const dir = join(opts.stateDir, 'replicas', name)
      r = { port: 0, handle: undefined, dataDir: join(dir, 'data'), snapDir: join(dir, 'snapshot') }
      mkdirSync(r.dataDir, { recursive: true, mode: 0o700 })
      replicas.set(name, r)
    }
    if (!r.handle || r.handle.process.exitCode !== null || r.handle.process.signalCode !== null) {
      const env = signerEnvFor({ ...opts, dataDir: r.dataDir, port: r.port })
      r.handle = await startSignerProcess(env, {
        cwd: opts.root,
        logFile: join(opts.stateDir, `replica-${name}.log`),
      })
      r.port = r.handle.port
    }
    return r.handle.url
  }
  const stop = async (name: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const h = replicas.get(name)?.handle
    if (!h) return
    if (signal === 'SIGKILL') {
      const exited = new Promise((resolve) => h.process.once('exit', resolve))
      if (h.process.exitCode === null) h.process.kill('SIGKILL')
      await exited
    } else await h.stop()
  }
  const copyFiles = (from: string, to: string) => {
    rmSync(to, { recursive: true, force: true })
    mkdirSync(to, { recursive: true, mode: 0o700 })
    for (const f of DB_FILES) if (existsSync(join(from, f))) copyFileSync(join(from, f), join(to, f))
  }

  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    try {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { name?: unknown }
      const name = typeof body.name === 'string' && NAME.test(body.name) ? body.name : undefined
      if (req.method !== 'POST' || !name) return send(400, { error: 'POST { name }' })
      const r = () => replicas.get(name)
      switch (req.url) {
        case '/start':
          return send(200, { url: await start(name) })
        case '/stop':
          await stop(name)
          return send(200, { ok: true })
        case '/kill':
          await stop(name, 'SIGKILL')
          return send(200, { ok: true })
        case '/snapshot': {
          const rep = r()
          if (!rep) return send(404, { error: 'no such replica' })
          await stop(name)
          copyFiles(rep.dataDir, rep.snapDir)
          return send(200, { url: await start(name) })
        }
        case '/restore': {
          const rep = r()
          if (!rep || !existsSync(rep.snapDir)) return send(404, { error: 'no snapshot' })
          await stop(name)
          copyFiles(rep.snapDir, rep.dataDir)
          return send(200, { url: await start(name) })
        }
        default:
          return send(404, { error: 'unknown control route' })
      }
    } catch (e) {
      send(500, { error: e instanceof Error ? e.message : 'failed' })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  process.once('exit', () => {
    for (const r of replicas.values())
      if (r.handle?.process.exitCode === null) r.handle.process.kill('SIGTERM')
  })
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      for (const name of replicas.keys()) await stop(name).catch(() => {})
    },
  }
}
