/**
 * Structured JSON logs (pino). Redaction is the second line of defence: no code path logs a request body,
 * a ciphertext or a key, and these paths are censored anyway should one ever try.
 */
import { type DestinationStream, type Logger, pino } from 'pino'

export const REDACT_PATHS = [
  'secret',
  '*.secret',
  '*.*.secret',
  'params',
  '*.params',
  'ciphertext',
  '*.ciphertext',
  'seed',
  '*.seed',
  'masterKey',
  'salt',
  'env',
  'config.secrets',
  'config.databaseUrl',
  'databaseUrl',
  '*.databaseUrl',
  'secrets',
  'headers.authorization',
]

export type SignerLogger = Logger

export function createLogger(destination?: DestinationStream, level = 'info'): SignerLogger {
  const options = {
    level,
    base: { service: 'signer' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  }
  return destination ? pino(options, destination) : pino(options)
}
