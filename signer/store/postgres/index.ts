/**
 * The engine choice for PostgreSQL: SIGNER_DATABASE_URL set → this engine (stateless replicas on one
 * database), unset → undefined and the caller opens the embedded SQLite. Called by signer/store/open.ts's
 * openEngine. Logs where it connects without the user or password (describeDatabaseUrl).
 */
import type { Engine } from '../types.ts'
import { describeDatabaseUrl } from './database-url.ts'
import { createPostgresEngine } from './engine.ts'

/** What open.ts hands down (pino has all three); lost connections log at warn, else at error. */
export type PostgresOpenLog = {
  info(obj: object, msg: string): void
  error(obj: object, msg: string): void
  warn?(obj: object, msg: string): void
}

export async function openPostgresIfConfigured(
  config: { readonly databaseUrl: string | undefined },
  log?: PostgresOpenLog,
): Promise<Engine | undefined> {
  if (config.databaseUrl === undefined) return undefined
  const warn = log && ((obj: object, msg: string) => (log.warn ? log.warn(obj, msg) : log.error(obj, msg)))
  const engine = await createPostgresEngine({ url: config.databaseUrl, ...(warn ? { log: { warn } } : {}) })
  log?.info({ store: 'postgres', database: describeDatabaseUrl(config.databaseUrl) }, 'store opened')
  return engine
}
