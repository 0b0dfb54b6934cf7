/**
 * Runs the edge Worker locally in workerd: wrangler builds the bundle (the same build `wrangler dev`
 * and `wrangler deploy` make), Miniflare serves it with the vars and D1 from wrangler.toml, and the SIGNER
 * binding is a network service that presents the client certificate: the local stand-in for
 * `mtls_certificates`, which has no local mode. The Worker's code path is the production one.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { Log, LogLevel, Miniflare, type MiniflareOptions } from 'miniflare'
import { unstable_readConfig, unstable_splitSqlQuery } from 'wrangler'

export type EdgeOptions = {
  readonly root: string
  readonly outDir: string
  readonly persistDir: string
  readonly port: number
  readonly vars: Readonly<Record<string, string>>
  readonly mtls: { readonly clientCert: string; readonly clientKey: string; readonly caCert: string }
  /** Log level for workerd's request log; tests pass 'warn' to keep their output readable. */
  readonly logLevel?: 'info' | 'warn'
  /** Whose vars wrangler.toml gives the Worker; development unless said (the top level is inert). */
  readonly env?: WranglerEnv
}

/** wrangler.toml's environments. The top level is what a bare deploy ships: inert, never used locally. */
export type WranglerEnv = 'development' | 'staging' | 'production'

const QUIET_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
}

/**
 * Bundles the Worker with wrangler (no network, no login); `env` selects a wrangler environment's build
 * (development unless said; null for a config file that has no environments).
 */
export function buildEdge(
  root: string,
  outDir: string,
  env: WranglerEnv | null = 'development',
  configPath?: string,
): string {
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/wrangler/bin/wrangler.js'),
      'deploy',
      '--dry-run',
      '--outdir',
      outDir,
      ...(env ? ['--env', env] : []),
      ...(configPath ? ['--config', configPath] : []),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...QUIET_ENV, WRANGLER_LOG: 'error' },
    },
  )
  // Wrangler names the bundle after its entry (index.js for edge/index.ts).
  const bundle = readdirSync(outDir).find((f) => f.endsWith('.js'))
  if (!bundle) throw new Error(`wrangler wrote no bundle into ${outDir}`)
  return join(outDir, bundle)
}

export function edgeOptions(opts: EdgeOptions, scriptPath: string): MiniflareOptions {
  const config = unstable_readConfig({
    config: join(opts.root, 'wrangler.toml'),
    env: opts.env ?? 'development',
  })
  const vars = Object.fromEntries(
    Object.entries(config.vars).filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>
  return {
    ...bundleModules(opts.outDir, scriptPath),
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    bindings: { ...vars, ...opts.vars },
    d1Databases: { DB: 'tuxedo-local' },
    ...assetsOption(opts.root, config.assets),
    d1Persist: join(opts.persistDir, 'd1'),
    serviceBindings: {
      SIGNER: {
        network: {
          allow: ['local', 'private'],
          tlsOptions: {
            keypair: {
              privateKey: readFileSync(opts.mtls.clientKey, 'utf8'),
              certificateChain: readFileSync(opts.mtls.clientCert, 'utf8'),
            },
            trustedCertificates: [readFileSync(opts.mtls.caCert, 'utf8')],
          },
        },
      },
    },
    host: '127.0.0.1',
    port: opts.port,
    // No look-up of Cloudflare's `cf` object: this machine may have no internet, and the edge needs none.
    cf: false,
    log: new Log(opts.logLevel === 'warn' ? LogLevel.WARN : LogLevel.INFO),
  }
}

/**
 * The bundle's modules, listed as wrangler uploads them. Given `modules: true` and a script path, Miniflare
 * would instead find the imports by parsing the whole bundle with acorn in Node (seconds for a 2.5 MB bundle
 * on a busy machine) before workerd even starts: a cost of the local runner, not of the Worker, that
 * swamped what bench:bundle means to measure. Wrangler's output is self-contained (everything is inlined;
 * `node:*` are workerd built-ins), so listing its files is complete.
 */
function bundleModules(
  outDir: string,
  scriptPath: string,
): Pick<MiniflareOptions, 'modules' | 'modulesRoot'> & {
  modules: { type: 'ESModule' | 'CompiledWasm'; path: string; contents: Uint8Array }[]
} {
  const extra = readdirSync(outDir)
    .filter((f) => /\.(m?js|wasm)$/.test(f))
    .map((f) => join(outDir, f))
    .filter((f) => f !== scriptPath)
  const entry = { type: 'ESModule' as const, path: scriptPath, contents: readFileSync(scriptPath) }
  return {
    modulesRoot: outDir,
    modules: [
      entry,
      ...extra.map((path) => ({
        type: path.endsWith('.wasm') ? ('CompiledWasm' as const) : ('ESModule' as const),
        path,
        contents: readFileSync(path),
      })),
    ],
  }
}

/**
 * Workers Static Assets as wrangler.toml declares them ([assets]): the web client in edge/public behind the
 * ASSETS binding, with the Worker run ahead of assets (run_worker_first) as in production.
 */
function assetsOption(
  root: string,
  assets: { directory?: string; binding?: string; run_worker_first?: boolean | string[] } | undefined,
): {
  assets?: {
    directory: string
    binding?: string
    routerConfig: { has_user_worker: boolean; invoke_user_worker_ahead_of_assets: boolean }
  }
} {
  if (!assets?.directory) return {}
  const directory = isAbsolute(assets.directory) ? assets.directory : join(root, assets.directory)
  return {
    assets: {
      directory,
      ...(assets.binding ? { binding: assets.binding } : {}),
      routerConfig: {
        has_user_worker: true,
        invoke_user_worker_ahead_of_assets: assets.run_worker_first === true,
      },
    },
  }
}

/** Applies edge/migrations/*.sql not yet recorded in d1_migrations (the table wrangler uses). */
export async function applyMigrations(mf: Miniflare, root: string): Promise<string[]> {
  const db = await mf.getD1Database('DB')
  await db.exec(
    'CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)',
  )
  const done = new Set(
    ((await db.prepare('SELECT name FROM d1_migrations').all<{ name: string }>()).results ?? []).map(
      (r) => r.name,
    ),
  )
  const dir = join(root, 'edge/migrations')
  const applied: string[] = []
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    if (done.has(file)) continue
    const statements = unstable_splitSqlQuery(readFileSync(join(dir, file), 'utf8'))
    await db.batch([
      ...statements.map((s) => db.prepare(s)),
      db.prepare('INSERT INTO d1_migrations (name) VALUES (?)').bind(file),
    ])
    applied.push(file)
  }
  return applied
}

export async function startEdge(
  opts: EdgeOptions,
): Promise<{ mf: Miniflare; url: string; rebuild(): Promise<void>; stop(): Promise<void> }> {
  const scriptPath = buildEdge(opts.root, opts.outDir, opts.env ?? 'development')
  const mf = new Miniflare(edgeOptions(opts, scriptPath))
  const url = (await mf.ready).toString().replace(/\/$/, '')
  try {
    await applyMigrations(mf, opts.root)
  } catch (e) {
    await mf.dispose()
    throw e
  }
  return {
    mf,
    url,
    rebuild: async () => {
      buildEdge(opts.root, opts.outDir, opts.env ?? 'development')
      await mf.setOptions(edgeOptions(opts, scriptPath))
    },
    stop: () => mf.dispose(),
  }
}
