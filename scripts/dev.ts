/**
 * `npm run dev`: the whole stack on 127.0.0.1 in one command, stopped as a whole by Ctrl-C.
 *   redis-server :6390 → Upstash REST bridge :8079 → edge (workerd) :8787 ⇄ mTLS ⇄ signer :8443 (health :8444)
 * First run writes explicit development secrets and a throwaway PKI into .dev/ (git-ignored).
 */
import { existsSync, mkdirSync, readFileSync, watch } from 'node:fs'
import { join, resolve } from 'node:path'
import { buildWeb } from './build-web.ts'
import { ensureSystemTools } from './ensure.ts'
import { startEdge } from './lib/edge-runtime.ts'
import { ensureSecrets } from './lib/secrets.ts'
import { startStack } from './lib/stack.ts'

const root = resolve(import.meta.dirname, '..')
const devDir = join(root, '.dev')

/** .dev.vars: KEY=VALUE lines (the wrangler convention), for LLM settings and overrides. */
function readDevVars(): Record<string, string> {
  const file = join(root, '.dev.vars')
  if (!existsSync(file)) return {}
  const out: Record<string, string> = {}
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line)
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2].replace(/^"(.*)"$/, '$1')
  }
  return out
}

/** Network settings for the dev stack; `dev:local` passes its stand-ins' URLs through the environment. */
function networkVars(devVars: Record<string, string>): Record<string, string> {
  const keys = [
    'STELLAR_NETWORK',
    'NETWORK_PASSPHRASE',
    'HORIZON_URL',
    'SOROBAN_RPC_URL',
    'FRIENDBOT_URL',
    'PROTOCOL_CONTRACTS',
  ] as const
  const out: Record<string, string> = {}
  for (const k of keys) {
    const v = process.env[k] ?? devVars[k]
    if (v) out[k] = v
  }
  return out
}

export async function runDev(extraVars: Record<string, string> = {}): Promise<void> {
  ensureSystemTools()
  buildWeb(root)
  mkdirSync(devDir, { recursive: true, mode: 0o700 })
  const { secrets, created } = ensureSecrets(join(devDir, 'secrets.json'))
  if (created) {
    console.log(
      'dev: created .dev/secrets.json (ENCRYPTION_MASTER_KEY, SERVER_SALT_SECRET, Redis bridge token)',
    )
    console.log(
      'dev: these are development-only secrets; production values come from Phala and wrangler secrets',
    )
  }
  const devVars = { ...readDevVars(), ...extraVars }
  const network = networkVars(devVars)
  const pkiExisted = existsSync(join(devDir, 'pki', 'ca.crt'))
  const stack = await startStack({
    root,
    stateDir: devDir,
    secrets,
    network,
    ports: { redis: 6390, bridge: 8079, signer: 8443, signerHealth: 8444 },
  })
  if (!pkiExisted)
    console.log('dev: created .dev/pki (dev CA, signer server certificate, edge client certificate)')

  const llmVars = Object.fromEntries(
    (['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'PRIMARY_MODEL'] as const)
      .map((k) => [k, process.env[k] ?? devVars[k]] as const)
      .filter((e): e is readonly [(typeof e)[0], string] => typeof e[1] === 'string' && e[1] !== ''),
  )
  let edge: Awaited<ReturnType<typeof startEdge>>
  try {
    edge = await startEdge({
      // wrangler.toml's development environment: the top level is the inert one a bare deploy would ship.
      env: 'development',
      root,
      outDir: join(devDir, 'edge-dist'),
      persistDir: devDir,
      port: 8787,
      vars: {
        ...network,
        ...llmVars,
        SIGNER_URL: stack.signer.url,
        UPSTASH_REDIS_REST_URL: stack.bridge.url,
        UPSTASH_REDIS_REST_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN,
        AUTH_SECRET: secrets.AUTH_SECRET,
      },
      mtls: { clientCert: stack.pki.clientCert, clientKey: stack.pki.clientKey, caCert: stack.pki.caCert },
    })
  } catch (e) {
    await stack.stop()
    throw e
  }

  // Passkeys are bound to the RP ID `localhost`: the page must be opened there (127.0.0.1 redirects to it).
  const appUrl = edge.url.replace('//127.0.0.1', '//localhost')
  console.log(`
Tuxedo is running (Ctrl-C stops everything):
  open         ${appUrl}            (the web client; passkeys need localhost, not 127.0.0.1)
  edge         ${edge.url}            (API, GET /health)
  signer       ${stack.signer.url}    (mTLS only; liveness http://127.0.0.1:${stack.signer.healthPort}/health)
  redis        ${stack.redis.url}
  upstash REST ${stack.bridge.url}
  network      ${network.STELLAR_NETWORK ?? 'testnet'}
  LLM          ${llmVars.OPENAI_API_KEY ? `${llmVars.OPENAI_BASE_URL ?? 'default endpoint'} (${llmVars.PRIMARY_MODEL ?? 'default model'})` : 'not configured (set OPENAI_API_KEY in .dev.vars)'}
  state        .dev/ (signer log: .dev/signer.log)
`)

  // Rebuild the Worker when its sources change, as wrangler dev does.
  let pending: NodeJS.Timeout | undefined
  const watchers = ['edge', 'shared'].map((d) =>
    watch(join(root, d), { recursive: true }, (_event, file) => {
      // edge/public is build output: reacting to it would rebuild forever.
      if (d === 'edge' && file?.startsWith('public')) return
      clearTimeout(pending)
      pending = setTimeout(() => {
        Promise.resolve()
          .then(() => buildWeb(root))
          .then(() => edge.rebuild())
          .then(
            () => console.log('dev: edge rebuilt'),
            (e: unknown) => console.error('dev: edge rebuild failed:', e instanceof Error ? e.message : e),
          )
      }, 200)
    }),
  )

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`\ndev: ${signal}, stopping…`)
    for (const w of watchers) w.close()
    clearTimeout(pending)
    await edge.stop().catch(() => {})
    await stack.stop()
    console.log('dev: stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGHUP', () => void shutdown('SIGHUP'))
}

if (import.meta.main) {
  runDev().catch((e: unknown) => {
    console.error('dev: failed to start:', e instanceof Error ? e.message : e)
    process.exit(1)
  })
}
