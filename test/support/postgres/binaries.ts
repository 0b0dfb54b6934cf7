/**
 * Where Debian's PostgreSQL server binaries live: /usr/lib/postgresql/<major>/bin (not on PATH; only the
 * client wrappers are). The newest major with initdb, pg_ctl and postgres wins.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export const POSTGRESQL_ROOT = '/usr/lib/postgresql'
const REQUIRED = ['initdb', 'pg_ctl', 'postgres'] as const

export function postgresBinDir(root = POSTGRESQL_ROOT): string | undefined {
  let majors: string[]
  try {
    majors = readdirSync(root).filter((d) => /^\d+$/.test(d))
  } catch {
    return undefined
  }
  for (const major of majors.sort((a, b) => Number(b) - Number(a))) {
    const bin = join(root, major, 'bin')
    if (REQUIRED.every((b) => existsSync(join(bin, b)))) return bin
  }
  return undefined
}
