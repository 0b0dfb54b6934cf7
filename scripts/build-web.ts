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
    // The Freighter bridge loads only when a wallet card needs it: most visits never fetch it.
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
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p))
  const js = outputs.find((f) => /^main-.*\.js$/.test(f))
  const css = outputs.find((f) => /^styles-.*\.css$/.test(f))
  if (!js || !css) throw new Error(`build-web: missing outputs in ${outputs.join(', ')}`)
  const html = readFileSync(join(src, 'index.html'), 'utf8')
    .replace('%APP_JS%', `/assets/${js}`)
    .replace('%APP_CSS%', `/assets/${css}`)
  writeFileSync(join(outDir, 'index.html'), html)
  const files: Record<string, number> = { 'index.html': html.length }
  for (const [path, out] of Object.entries(result.metafile.outputs))
    files[`assets/${basename(path)}`] = out.bytes
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
