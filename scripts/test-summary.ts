/**
 * Prints the plain closing line CI reads ("tests: N passed, M failed, K skipped") from vitest JSON reports
 * given as arguments. Exits non-zero if a report is missing or shows a failure, so it can never turn a red
 * run green.
 */
import { existsSync, readFileSync } from 'node:fs'

type Report = {
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
}

let passed = 0
let failed = 0
let skipped = 0
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`test-summary: ${file} is missing (the suite did not finish)`)
    process.exit(1)
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as Report
  passed += r.numPassedTests
  failed += r.numFailedTests
  skipped += r.numPendingTests + r.numTodoTests
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
