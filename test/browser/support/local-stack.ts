/**
 * The whole product on loopback for the browser tests: the protocol stand-ins (Horizon, Soroban RPC, the
 * scripted model), redis + the Upstash bridge + the mTLS signer, and the edge in workerd serving the built
 * web client from Workers Static Assets. The RP ID is `localhost` and the origin `http://localhost:<port>`,
 * so the browser must browse to localhost (not 127.0.0.1) for passkeys to match.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { buildWeb } from '../../../scripts/build-web.ts'
import { startEdge } from '../../../scripts/lib/edge-runtime.ts'
import { freshSecrets } from '../../../scripts/lib/secrets.ts'
import { startStack } from '../../../scripts/lib/stack.ts'
import { type StandIns, startStandIns } from '../../../scripts/lib/stand-ins.ts'

export const ROOT = resolve(import.meta.dirname, '../../..')

export type LocalStack = {
  readonly url: string
  readonly standIns: StandIns
  readonly dir: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => done(port))
    })
  })
}

export async function startLocalStack(): Promise<LocalStack> {
  const dir = mkdtempSync(join(tmpdir(), 'tuxedo-browser-'))
  buildWeb(ROOT)
  const standIns = await startStandIns()
  const secrets = freshSecrets()
  const port = await freePort()
  const origin = `http://localhost:${port}`
  const stack = await startStack({
    root: ROOT,
    stateDir: dir,
    secrets,
    network: standIns.networkVars,
    rp: { id: 'localhost', origins: origin },
  })
  try {
    const edge = await startEdge({
      root: ROOT,
      outDir: join(dir, 'edge-dist'),
      persistDir: dir,
      port,
      vars: {
        ...standIns.networkVars,
        RP_ID: 'localhost',
        RP_ORIGIN: origin,
        ALLOWED_ORIGINS: origin,
        OPENAI_BASE_URL: standIns.model.url,
        OPENAI_API_KEY: 'sk-browser-test',
        SIGNER_URL: stack.signer.url,
        UPSTASH_REDIS_REST_URL: stack.bridge.url,
        UPSTASH_REDIS_REST_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN,
        AUTH_SECRET: secrets.AUTH_SECRET,
      },
      mtls: { clientCert: stack.pki.clientCert, clientKey: stack.pki.clientKey, caCert: stack.pki.caCert },
      logLevel: 'warn',
    })
    return {
      url: origin,
      standIns,
      dir,
      async stop() {
        await edge.stop().catch(() => {})
        await stack.stop()
        await standIns.stop()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    await stack.stop()
    await standIns.stop()
    throw e
  }
}
