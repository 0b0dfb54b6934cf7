/**
 * A real PostgreSQL from Debian's packages (`apt-get install postgresql`), as a throwaway cluster for
 * tests: initdb into a temp dir, one postmaster on a free loopback port (and a unix socket in the same
 * dir), scram-sha-256 on TCP with a random password. Not a stand-in and not a mock: the engine under test
 * talks to the server it will meet in production.
 *
 * initdb and postgres refuse to run as root; when the tests run as root (CI, this machine) the cluster
 * dir is chowned to the `postgres` user the Debian package creates and the binaries are spawned with
 * that uid/gid (Node's spawn sets them directly, so `kill()` signals the postmaster itself, not a wrapper).
 *
 * Speed, tests only: fsync, synchronous_commit and full_page_writes are off (a crash of the machine may
 * lose the cluster; a SIGKILL of the postmaster does not, which is what kill() exercises). `durable: true`
 * keeps PostgreSQL's defaults (all on), as production runs: what `npm run bench:signer` measures.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { postgresBinDir } from '../../../scripts/postgres-bin.ts'

export type RunningPostgres = {
  /** postgresql://tuxedo:<password>@127.0.0.1:<port>/postgres */
  readonly url: string
  readonly port: number
  /** Holds the unix socket (`.s.PGSQL.<port>`) and the cluster (`data/`). */
  readonly dir: string
  /** Fast shutdown (SIGINT: clients are disconnected, nothing in flight commits), then removes the dir. */
  stop(): Promise<void>
  /** Fast shutdown and start again on the same port and data. */
  restart(): Promise<void>
  /** SIGKILL of the postmaster (a crash: the next start runs recovery); start() brings it back. */
  kill(): Promise<void>
  /** Starts the server again after kill() or a shutdown (same port and data). */
  start(): Promise<void>
  /** Fast shutdown, keeping the data (start() brings it back). */
  shutdown(): Promise<void>
}

type Owner = { readonly uid: number; readonly gid: number } | undefined

const READY = 'database system is ready to accept connections'
/** Postmasters still running when the test process exits are killed, never left behind. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL')
})
const START_TIMEOUT_MS = 30_000
/** Off unless `durable`: a machine crash may lose the cluster (tests only). */
const SPEED_ONLY = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']

/** The uid/gid to run as: none when not root; the Debian `postgres` user when root. */
function owner(): Owner {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined
  const read = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  try {
    return { uid: read('-u'), gid: read('-g') }
  } catch {
    throw new Error('running as root and no `postgres` user: apt-get install -y postgresql creates it')
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** `dir`: an empty folder to hold the cluster (as root: one the `postgres` user can reach); default a new temp dir. */
export async function startPostgres(
  opts: { dir?: string; durable?: boolean } = {},
): Promise<RunningPostgres> {
  const bin = postgresBinDir()
  if (!bin) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (npm run ensure)')
  const as = owner()
  // As root the server runs as `postgres`, which must reach the dir: /tmp (1777), not a TMPDIR under /root.
  const dir = opts.dir ?? mkdtempSync(join(as ? '/tmp' : tmpdir(), 'tuxedo-pg-'))
  const data = join(dir, 'data')
  const password = randomBytes(18).toString('base64url')
  const pwfile = join(dir, 'pwfile')
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 })
  if (as) {
    chownSync(dir, as.uid, as.gid)
    chownSync(pwfile, as.uid, as.gid)
  }
  const ids = as ? { uid: as.uid, gid: as.gid } : {}
  execFileSync(
    join(bin, 'initdb'),
    [
      `--pgdata=${data}`,
      '--username=tuxedo',
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ],
    { ...ids, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  )
  rmSync(pwfile)
  const port = await freePort()
  let child: ChildProcess | undefined

  const start = async (): Promise<void> => {
    if (child) return
    const proc = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${dir}`,
        ...(opts.durable ? [] : SPEED_ONLY),
        '-c',
        'max_connections=100',
        '-c',
        'lc_messages=C',
      ],
      { ...ids, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
    )
    child = proc
    running.add(proc)
    proc.once('exit', () => running.delete(proc))
    let log = ''
    let ready = () => {}
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('did not become ready')), START_TIMEOUT_MS)
      const fail = (err: Error) => {
        clearTimeout(timer)
        child = undefined
        reject(new Error(`postgres: ${err.message}\n${log.slice(-2000)}`))
      }
      proc.stderr?.setEncoding('utf8')
      proc.stderr?.on('data', (chunk: string) => {
        // Keep only the tail: the postmaster logs for as long as it runs.
        log = (log + chunk).slice(-8000)
        if (log.includes(READY)) {
          clearTimeout(timer)
          log = ''
          resolve()
        }
      })
      const early = (code: number | null, sig: NodeJS.Signals | null) =>
        fail(new Error(`exited (${code ?? sig}) before ready`))
      proc.once('error', fail)
      proc.once('exit', early)
      ready = () => proc.off('exit', early)
    })
    ready()
    proc.once('exit', () => {
      if (child === proc) child = undefined
    })
  }

  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const proc = child
    if (!proc || proc.exitCode !== null) {
      child = undefined
      return
    }
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill(sig)
    })
    child = undefined
  }

  await start()
  const shutdown = () => signal('SIGINT')
  return {
    url: `postgresql://tuxedo:${password}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start,
    shutdown,
    kill: () => signal('SIGKILL'),
    restart: async () => {
      await shutdown()
      await start()
    },
    stop: async () => {
      await shutdown()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
