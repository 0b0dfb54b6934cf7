/**
 * SIGNER_DATABASE_URL: which PostgreSQL the signer keeps its state in. Threats this stops: a URL that
 * reaches a database over an unauthenticated channel outside development (a network attacker in the
 * middle could read ciphertexts and answer with old rows; the MACs and the edge's head catch edits and
 * rollbacks, TLS keeps the rest off the wire), and a password that ends up in a log line.
 * TLS is pg's own: `sslmode=verify-full` (server certificate and name checked) with `sslrootcert=<path>`.
 */
import { err, ok, type Result } from '../../../shared/result.ts'

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])
/** What pg accepts and what we require off loopback outside development (the name must be checked). */
const SSL_MODES = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'])

export function parseDatabaseUrl(raw: string, environment: string): Result<string, string> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return err('not a URL')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return err('must be postgres:// or postgresql://')
  }
  if (url.hostname === '') return err('no host')
  if (url.pathname.length <= 1) return err('no database name')
  const sslmode = url.searchParams.get('sslmode')
  if (sslmode !== null && !SSL_MODES.has(sslmode)) return err('unknown sslmode')
  if (environment !== 'development' && !LOOPBACK.has(url.hostname) && sslmode !== 'verify-full') {
    return err('needs sslmode=verify-full outside development (off loopback)')
  }
  return ok(raw)
}

/** For logs: scheme, host, port and database; never the user's password. */
export function describeDatabaseUrl(raw: string): string {
  try {
    const url = new URL(raw)
    return `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`
  } catch {
    return 'postgres (unparsable url)'
  }
}
