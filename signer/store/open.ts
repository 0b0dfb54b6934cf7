/**
 * Which engine the signer's store runs on, and the sealed store over it. SIGNER_DATABASE_URL unset: SQLite
 * in SIGNER_DATA_DIR, exactly as before the store interface (the default: one CVM, `npm run dev`, tests);
 * set: PostgreSQL. The row-MAC keys come from the master keys (the KMS's in `tdx`), never from the salt.
 */
import type { Secrets } from '../secrets.ts'
import { openPostgresIfConfigured } from './postgres/index.ts'
import { deriveRowKeys, type RowKeys } from './row-mac.ts'
import { createStore, type StoreLog } from './sealed.ts'
import { adoptLegacyRows } from './sqlite/adopt.ts'
import { openSqliteEngine } from './sqlite/engine.ts'
import type { Engine, Store } from './types.ts'

export type EngineConfig = { readonly dataDir: string; readonly databaseUrl: string | undefined }

export type OpenLog = StoreLog & {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/**
 * The engine for `config`: PostgreSQL when SIGNER_DATABASE_URL is set (signer/store/postgres/; a database
 * that cannot be reached stops the start with StoreUnavailableError, never a fallback to SQLite), else SQLite.
 */
export async function openEngine(config: EngineConfig, rowKeys: RowKeys, log?: OpenLog): Promise<Engine> {
  const postgres = await openPostgresIfConfigured(config, log)
  if (postgres) return postgres
  return openSqliteEngine(config.dataDir, {
    // Runs inside migration 5's transaction, once: rows from before row MACs get theirs.
    adoptLegacy: (db) => {
      adoptLegacyRows(db, rowKeys, log)
    },
    ...(log ? { log } : {}),
  })
}

/** The sealed store over the configured engine, with row-MAC keys derived from `secrets`. */
export async function openStore(config: EngineConfig, secrets: Secrets, log?: OpenLog): Promise<Store> {
  const rowKeys = deriveRowKeys(secrets)
  return createStore(await openEngine(config, rowKeys, log), rowKeys, log)
}
