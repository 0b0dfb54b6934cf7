/**
 * `npm run signer`: load config → open keystore → listen. Any configuration problem exits non-zero before a
 * socket is opened, naming the variable and never its value. SIGTERM/SIGINT drain, close the DB and exit.
 */
import { loadConfig } from './config.ts'
import { createLogger } from './log.ts'

const log = createLogger(undefined, process.env.SIGNER_LOG_LEVEL ?? 'info')

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig(process.env)
  } catch (e) {
    const error = e as Error & { variables?: readonly string[] }
    // Only the name, our own message (variable names) and the list; never `e` itself, never env.
    log.fatal(
      { err: { name: error.name, message: error.message, variables: error.variables } },
      'signer refused to start',
    )
    process.stderr.write(`${error.name}: ${error.message}\n`)
    process.exit(1)
  }
  // Loaded only once the config is good: a refused start stays fast and touches no Stellar/SQLite code.
  const { startSigner } = await import('./start.ts')
  const signer = await startSigner(config, { logger: log })
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'signer draining')
    signer.close().then(
      // close() zeroes the keys (the KMS key included) before it resolves.
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

main().catch((e: unknown) => {
  log.fatal({ err: { name: (e as Error).name, message: (e as Error).message } }, 'signer failed to start')
  process.exit(1)
})
