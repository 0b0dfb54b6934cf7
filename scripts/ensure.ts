/**
 * One "ensure" step shared by `npm run dev` and `npm test`: makes sure the system programs the local
 * stack needs are present, installing them where that is possible without asking (Debian/Ubuntu as root
 * or with passwordless sudo; Homebrew on macOS), and otherwise says exactly what to run and exits non-zero.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { postgresBinDir } from './postgres-bin.ts'

export type Need = {
  readonly bin: string
  readonly apt: string
  readonly brew: string
  readonly why: string
  /** How to tell it is installed when `bin` is not on PATH; default `command -v bin`. */
  readonly present?: () => boolean
}

const NEEDS: readonly Need[] = [
  {
    bin: 'redis-server',
    apt: 'redis-server',
    brew: 'redis',
    why: 'rate limits (behind the Upstash REST bridge)',
  },
  { bin: 'openssl', apt: 'openssl', brew: 'openssl', why: 'throwaway mTLS certificates' },
]

/** Only `npm test` needs a browser (test/browser); `npm run dev` does not install one. */
export const CHROMIUM: Need = {
  bin: 'chromium',
  apt: 'chromium',
  brew: 'chromium',
  why: 'the web client tests (Debian chromium driven by playwright-core)',
}

/**
 * Only `npm test` needs a PostgreSQL server (the store engine tests start a throwaway cluster). Debian's
 * server binaries are under /usr/lib/postgresql/<major>/bin, not on PATH.
 */
export const POSTGRESQL: Need = {
  bin: 'postgres',
  apt: 'postgresql',
  brew: 'postgresql@17',
  why: 'the PostgreSQL store engine tests (a throwaway cluster of the Debian server)',
  present: () => postgresBinDir() !== undefined,
}

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0

function installer(): ((pkgs: string[]) => void) | undefined {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (has('apt-get')) {
    const sudo = isRoot
      ? []
      : has('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0
        ? ['sudo', '-n']
        : undefined
    if (!sudo) return undefined
    return (pkgs) => {
      const run = (args: string[]) => {
        const [cmd, ...rest] = [...sudo, ...args]
        if (!cmd) return
        execFileSync(cmd, rest, {
          stdio: 'inherit',
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        })
      }
      run(['apt-get', 'update', '-qq'])
      run(['apt-get', 'install', '-y', '-qq', ...pkgs])
    }
  }
  if (has('brew')) return (pkgs) => execFileSync('brew', ['install', ...pkgs], { stdio: 'inherit' })
  return undefined
}

export function ensureSystemTools(extra: readonly Need[] = []): void {
  const installed = (n: Need) => (n.present ? n.present() : has(n.bin))
  const missing = [...NEEDS, ...extra].filter((n) => !installed(n))
  if (missing.length === 0) return
  const install = installer()
  const names = missing.map((m) => `${m.bin} (${m.why})`).join(', ')
  if (!install) {
    console.error(`ensure: missing ${names}.`)
    console.error(`  Debian/Ubuntu: sudo apt-get install -y ${missing.map((m) => m.apt).join(' ')}`)
    console.error(`  macOS:         brew install ${missing.map((m) => m.brew).join(' ')}`)
    process.exit(1)
  }
  console.log(`ensure: installing ${names}`)
  const isBrew = !has('apt-get')
  install(missing.map((m) => (isBrew ? m.brew : m.apt)))
  const still = missing.filter((n) => !installed(n))
  if (still.length > 0) {
    console.error(`ensure: still missing after install: ${still.map((s) => s.bin).join(', ')}`)
    process.exit(1)
  }
}

if (import.meta.main) ensureSystemTools([CHROMIUM, POSTGRESQL])
