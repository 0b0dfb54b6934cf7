/**
 * `npm run signer:verify-audit`: walks the audit chain in SIGNER_DATA_DIR and names the first broken entry.
 * Exit 0 = intact, 1 = broken, 2 = could not read. Read-only (the file is opened read-only and never
 * migrated); needs no key: the chain is hash-linked, not MAC'd.
 */
import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import { verifyPages } from '../audit/verify.ts'
import { auditRows } from '../store/sqlite/audit.ts'
import { dbPath } from '../store/sqlite/db.ts'

const PAGE = 1000

const dataDir = process.env.SIGNER_DATA_DIR || '/app/data'
const file = dbPath(dataDir)
if (!existsSync(file)) {
  process.stderr.write(`verify-audit: no signer database in SIGNER_DATA_DIR\n`)
  process.exit(2)
}
const db = new Database(file, { readonly: true, fileMustExist: true })
try {
  const audit = auditRows(db)
  const result = await verifyPages((after) => audit.range(after, PAGE))
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
