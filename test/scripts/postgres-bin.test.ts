/** postgresBinDir: the newest complete Debian major, else PATH, else nothing (ensure then installs). */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { postgresBinDir } from '../../scripts/postgres-bin.ts'

function layout(bins: Record<string, readonly string[]>): string {
  const root = mkdtempSync(join(tmpdir(), 'tuxedo-pgbin-'))
  for (const [dir, files] of Object.entries(bins)) {
    mkdirSync(join(root, dir), { recursive: true })
    for (const f of files) writeFileSync(join(root, dir, f), '')
  }
  return root
}
const ALL = ['initdb', 'pg_ctl', 'postgres'] as const

it.each<[string, Record<string, readonly string[]>, string, string | undefined]>([
  ['newest complete major', { '13/bin': ALL, '15/bin': ALL, '16/bin': ['initdb'] }, '', '15/bin'],
  ['numeric, not lexical, order', { '9/bin': ALL, '10/bin': ALL }, '', '10/bin'],
  ['nothing installed', {}, '', undefined],
  ['only client tools', { '15/bin': ['psql', 'pg_dump'] }, '', undefined],
  ['a non-numeric dir is ignored', { 'common/bin': ALL }, '', undefined],
  ['falls back to PATH (Homebrew)', { 'brew/bin': ALL }, 'brew/bin', 'brew/bin'],
  ['an incomplete PATH dir is not taken', { 'brew/bin': ['postgres'] }, 'brew/bin', undefined],
])('%s', (_name, bins, pathDir, expected) => {
  const root = layout(bins)
  const path = pathDir === '' ? '' : join(root, pathDir)
  expect(postgresBinDir(root, path)).toBe(expected === undefined ? undefined : join(root, expected))
})
