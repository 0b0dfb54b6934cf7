/**
 * `npm run signer:rotate-key`: re-encrypts every account secret from whatever key it is under to
 * ENCRYPTION_MASTER_KEY_NEXT (insecure-dev), or, in tdx mode (ATTESTATION_MODE unset or `tdx`), to the
 * master key from the dstack KMS: the one-time migration of a deployment whose rows are under an
 * operator-made ENCRYPTION_MASTER_KEY. Run it inside the CVM (it asks the guest agent), with the legacy key
 * as ENCRYPTION_MASTER_KEY; afterwards the signer runs without that variable, and no person holds the key.
 *
 * Crash-safe and resumable: each batch commits atomically and each row names its key version, so after a
 * kill -9 a second run simply continues with the rows not yet under the new key. The running signer keeps
 * serving during rotation when it is started with the same ENCRYPTION_MASTER_KEY + _NEXT pair (it opens
 * both versions and seals new rows under NEXT). Updates are compare-and-swap on the ciphertext, so a row the
 * signer deletes or replaces meanwhile is left alone. Then every other row's MAC under an older key is
 * checked and made again under the new one (signer/store/sqlite/reseal.ts; signer/store/postgres/reseal.ts,
 * which reports a row that fails its check and leaves it), so the old key can go.
 *
 * ROTATE_BATCH_SIZE (default 200) and ROTATE_BATCH_DELAY_MS (default 0, pause between batches: lets an
 * operator throttle, and lets the test kill the process half-way) tune the pace.
 */
import { createKeyring } from '../crypto/keyring.ts'
import { fetchKmsMasterKey } from '../crypto/kms-master-key.ts'
import { loadKmsSecretInputs, loadSecrets, type Secrets, wipeSecrets, withKmsKey } from '../secrets.ts'
import { openStore } from '../store/open.ts'
import { resealPostgres } from '../store/postgres/reseal.ts'
import { deriveRowKeys } from '../store/row-mac.ts'
import { openDb } from '../store/sqlite/db.ts'
import { resealRows } from '../store/sqlite/reseal.ts'

const intEnv = (name: string, fallback: number, min: number): number => {
  const raw = process.env[name]
  const n = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`rotate-key: ${name} must be an integer >= ${min}\n`)
    process.exit(1)
  }
  return n
}

let secrets: Secrets
try {
  secrets =
    process.env.ATTESTATION_MODE === 'insecure-dev'
      ? loadSecrets(process.env, { requireNext: true })
      : withKmsKey(
          loadKmsSecretInputs(process.env),
          await fetchKmsMasterKey(process.env.DSTACK_SIMULATOR_ENDPOINT || undefined),
        )
} catch (e) {
  process.stderr.write(`${(e as Error).name}: ${(e as Error).message}\n`)
  process.exit(1)
}
const batchSize = intEnv('ROTATE_BATCH_SIZE', 200, 1)
const delayMs = intEnv('ROTATE_BATCH_DELAY_MS', 0, 0)
const storeConfig = {
  dataDir: process.env.SIGNER_DATA_DIR || '/app/data',
  databaseUrl: process.env.SIGNER_DATABASE_URL || undefined,
}
const store = await openStore(storeConfig, secrets)
const keyring = createKeyring(secrets)
const target = keyring.sealingKeyId
// Rotation is not one user's: the key-version scan spans users (the rows name their own user ids).
const ROTATION = 'rotate-key'

// No key version is empty, so "not under ''" is every account.
const total = await store.transaction(ROTATION, (tx) => tx.accounts.countNotUnder(''))
const pending = await store.transaction(ROTATION, (tx) => tx.accounts.countNotUnder(target))
process.stdout.write(`rotate-key: ${pending} of ${total} accounts to re-encrypt under ${target}\n`)

let cursor = ''
let done = 0
const failed: string[] = []
for (;;) {
  const after = cursor
  // One transaction per batch: the reads, the re-seals (synchronous) and the compare-and-swaps commit together.
  const rows = await store.transaction(ROTATION, async (tx) => {
    const batch = await tx.accounts.notUnder(target, after, batchSize)
    for (const row of batch) {
      const ctx = { userId: row.user_id, accountId: row.id, publicKey: row.public_key }
      const opened = keyring.open(ctx, row.ciphertext)
      if (!opened.ok) {
        failed.push(row.id)
        continue
      }
      const sealed = keyring.seal(ctx, opened.value)
      opened.value.fill(0)
      if (await tx.accounts.swapCiphertext(row, sealed, target)) done++
    }
    return batch
  })
  if (rows.length === 0) break
  cursor = rows[rows.length - 1]?.id ?? cursor
  process.stdout.write(`rotate-key: rotated ${done}/${pending}\n`)
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs))
}

const left = await store.transaction(ROTATION, (tx) => tx.accounts.countNotUnder(target))
await store.close()

// Every other MAC'd row (ledger, passkeys, approvals, ...) under an older key gets its MAC again under the
// new one, checked first: the old key can then be dropped without older rows reading as tampered.
let resealed: number | undefined
let tampered: readonly string[] = []
if (storeConfig.databaseUrl === undefined) {
  const db = openDb(storeConfig.dataDir, () => {
    throw new Error('the database is not migrated: start the signer once first')
  })
  try {
    resealed = Object.values(resealRows(db, deriveRowKeys(secrets), batchSize)).reduce((a, b) => a + b, 0)
  } finally {
    db.close()
  }
  process.stdout.write(`rotate-key: ${resealed} other rows MAC'd again under ${target}\n`)
} else {
  // PostgreSQL: a row that fails its check under its old key is reported and left (never laundered).
  const report = await resealPostgres(storeConfig.databaseUrl, deriveRowKeys(secrets), batchSize)
  resealed = Object.values(report.resealed).reduce((a, b) => a + b, 0)
  tampered = report.tampered
  process.stdout.write(`rotate-key: ${resealed} other rows MAC'd again under ${target}\n`)
  if (tampered.length > 0) {
    process.stderr.write(
      `rotate-key: ${tampered.length} rows failed their integrity check and were left under their old key: ${tampered.slice(0, 20).join(', ')}\n`,
    )
  }
}
keyring.wipe()
wipeSecrets(secrets)
if (failed.length > 0 || left > 0 || resealed === undefined || tampered.length > 0) {
  process.stderr.write(
    `rotate-key: incomplete: ${left} accounts not under ${target}; ${failed.length} could not be decrypted with the given keys (ids: ${failed.slice(0, 20).join(', ')})\n`,
  )
  process.exit(1)
}
process.stdout.write(`rotate-key: done, all ${total} accounts under ${target}\n`)
