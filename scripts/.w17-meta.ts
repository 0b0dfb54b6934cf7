import { buildSync } from 'esbuild'
import { gzipSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import { join, basename } from 'node:path'
const root = process.cwd()
const r = buildSync({ entryPoints: [join(root,'edge/web/main.ts')], outdir: '/tmp/w17-out', entryNames:'[name]-[hash]', splitting:true, chunkNames:'chunk-[hash]', bundle:true, minify:true, format:'esm', target:['chrome120','firefox120','safari17'], legalComments:'none', metafile:true, write:true, logLevel:'error'})
for (const [p,o] of Object.entries(r.metafile.outputs)) {
  const gz = gzipSync(readFileSync(p),{level:9}).length
  console.log(basename(p), o.bytes, 'gz', gz, 'imports', o.imports.map(i=>`${i.kind}:${basename(i.path)}`).join(' '))
  const ins = Object.entries(o.inputs).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput)
  for (const [f,i] of ins) console.log('   ', i.bytesInOutput, f)
}
