/**
 * `npm run signer:verify-audit`: walks the audit chain in SIGNER_DATA_DIR and names the first broken entry.
 * Exit 0 = intact, 1 = broken, 2 = could not read. Read-only; needs no key.
 */
import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { AuditRow } from '../audit/chain.ts'
import { verifyChain } from '../audit/verify.ts'
import { dbPath } from '../keystore/db.ts'

const dataDir = process.env.SIGNER_DATA_DIR || '/app/data'
const file = dbPath(dataDir)
if (!existsSync(file)) {
  process.stderr.write(`verify-audit: no signer database in SIGNER_DATA_DIR\n`)
  process.exit(2)
}
const db = new Database(file, { readonly: true, fileMustExist: true })
try {
  const rows = db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq').iterate()
  const result = verifyChain(rows)
  if (result.ok) {
    process.stdout.write(`audit chain intact: ${result.entries} entries, head ${result.head}\n`)
    process.exitCode = 0
  } else {
    process.stdout.write(
      `audit chain BROKEN at entry ${result.brokenSeq}: ${result.reason} (${result.entries} entries verified before it)\n`,
    )
    process.exitCode = 1
  }
} finally {
  db.close()
}
