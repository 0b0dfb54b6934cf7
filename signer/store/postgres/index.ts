/**
 * The engine choice for PostgreSQL: SIGNER_DATABASE_URL set → this engine (stateless replicas on one
 * database), unset → undefined and the caller opens the embedded SQLite. Called by signer/store/open.ts's
 * openEngine. Logs where it connects without the user or password (describeDatabaseUrl).
 */
import type { SignerConfig } from '../../config.ts'
import type { Engine } from '../types.ts'
import { describeDatabaseUrl } from './database-url.ts'
import { createPostgresEngine, type PostgresLog } from './engine.ts'

export type OpenLog = PostgresLog & { info(obj: Record<string, unknown>, msg: string): void }

export async function openPostgresIfConfigured(
  config: Pick<SignerConfig, 'databaseUrl'>,
  log?: OpenLog,
): Promise<Engine | undefined> {
  if (config.databaseUrl === undefined) return undefined
  const engine = await createPostgresEngine({ url: config.databaseUrl, ...(log ? { log } : {}) })
  log?.info({ store: 'postgres', database: describeDatabaseUrl(config.databaseUrl) }, 'store opened')
  return engine
}
