/**
 * Builds the browser client: edge/web/main.ts and styles.css → edge/public/ with content-hashed names, and
 * index.html pointing at them. The Worker serves edge/public through Workers Static Assets (binding ASSETS).
 * Hashed names let assets be cached for a year; index.html itself is never cached, so a deploy is seen at once.
 * Also run as `npm run build:web`, and before `npm run dev` and the test projects.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { buildSync } from 'esbuild'

export type WebBuild = { readonly outDir: string; readonly files: Readonly<Record<string, number>> }

export function buildWeb(root = resolve(import.meta.dirname, '..')): WebBuild {
  const src = join(root, 'edge/web')
  const outDir = join(root, 'edge/public')
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(join(outDir, 'assets'), { recursive: true })
  const result = buildSync({
    entryPoints: [join(src, 'main.ts'), join(src, 'styles.css')],
    outdir: join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    // Every dynamic import() in edge/web is a chunk fetched on first use: the signed-in app (app-view.ts),
    // Accounts, the money-step cards, the WebAuthn library, HPKE and the Freighter bridge. The first
    // (signed-out) screen loads main plus the few small shared chunks it imports.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    legalComments: 'none',
    metafile: true,
    write: true,
    logLevel: 'error',
  })
  const outputs = result.metafile.outputs
  const names = Object.keys(outputs).map((p) => basename(p))
  const js = names.find((f) => /^main-.*\.js$/.test(f))
  const css = names.find((f) => /^styles-.*\.css$/.test(f))
  const app = Object.keys(outputs).find((p) => outputs[p]?.entryPoint?.endsWith('edge/web/app-view.ts'))
  if (!js || !css || !app) throw new Error(`build-web: missing outputs in ${names.join(', ')}`)
  // A chunk's static imports are found only once it has loaded, one round trip per level. The first screen's
  // are named in the page (modulepreload: fetched alongside main); the signed-in app's are named for main.ts
  // to preload when the session says someone is signed in, so its chunks come in one round trip too.
  const closure = (path: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(path)) return seen
    seen.add(path)
    for (const i of outputs[path]?.imports ?? []) if (i.kind === 'import-statement') closure(i.path, seen)
    return seen
  }
  const mainPath = Object.keys(outputs).find((p) => basename(p) === js) ?? ''
  const first = closure(mainPath)
  const href = (p: string) => `/assets/${basename(p)}`
  const preloads = [...first]
    .filter((p) => p !== mainPath)
    .map((p) => `<link rel="modulepreload" href="${href(p)}" />`)
    .join('\n    ')
  const appChunks = [...closure(app)].filter((p) => !first.has(p)).map(href)
  const html = readFileSync(join(src, 'index.html'), 'utf8')
    .replace('%APP_JS%', `/assets/${js}`)
    .replace('%APP_CSS%', `/assets/${css}`)
    .replace('%PRELOADS%', preloads)
    .replace('%APP_CHUNKS%', appChunks.join(' '))
  writeFileSync(join(outDir, 'index.html'), html)
  const files: Record<string, number> = { 'index.html': html.length }
  for (const [path, out] of Object.entries(outputs)) files[`assets/${basename(path)}`] = out.bytes
  return { outDir, files }
}

if (import.meta.main) {
  const t0 = performance.now()
  const { files } = buildWeb()
  const list = Object.entries(files)
    .map(([f, n]) => `${f} ${(n / 1024).toFixed(1)} KiB`)
    .join(', ')
  console.log(`build:web: ${list} in ${Math.round(performance.now() - t0)} ms`)
}
