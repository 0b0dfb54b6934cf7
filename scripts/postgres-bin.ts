/**
 * Where PostgreSQL's server binaries are. Debian puts them in /usr/lib/postgresql/<major>/bin, which is
 * not on PATH (only the client wrappers are); elsewhere (Homebrew) they are on PATH. The newest Debian
 * major with initdb, pg_ctl and postgres wins. Used by `npm run ensure` and the tests' PostgreSQL.
 */
import { existsSync, readdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'

export const POSTGRESQL_ROOT = '/usr/lib/postgresql'
const REQUIRED = ['initdb', 'pg_ctl', 'postgres'] as const

const complete = (bin: string) => REQUIRED.every((b) => existsSync(join(bin, b)))

export function postgresBinDir(root = POSTGRESQL_ROOT, path = process.env.PATH ?? ''): string | undefined {
  let majors: string[] = []
  try {
    majors = readdirSync(root).filter((d) => /^\d+$/.test(d))
  } catch {
    // no Debian layout: try PATH
  }
  for (const major of majors.sort((a, b) => Number(b) - Number(a))) {
    const bin = join(root, major, 'bin')
    if (complete(bin)) return bin
  }
  return path.split(delimiter).find((dir) => dir !== '' && complete(dir))
}
