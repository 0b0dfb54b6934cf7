/**
 * A YAML reader for the subset docker-compose.phala.yaml is written in: block maps, block lists of scalars,
 * comments, quoted and plain scalars, empty values (null). Anything else throws, so the compose file cannot
 * drift into syntax this test silently misreads.
 */
export type Yaml = string | null | Yaml[] | { [key: string]: Yaml }

type Line = { indent: number; text: string; n: number }

const scalar = (raw: string): string | null => {
  const v = raw.trim()
  if (v === '') return null
  if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) return v.slice(1, -1)
  return v
}

export function parseYaml(text: string): Yaml {
  const lines: Line[] = []
  text.split('\n').forEach((l, i) => {
    if (/^\s*(#.*)?$/.test(l)) return
    if (l.includes('\t')) throw new Error(`line ${i + 1}: tab`)
    lines.push({ indent: l.length - l.trimStart().length, text: l.trim(), n: i + 1 })
  })
  let at = 0
  const block = (indent: number): Yaml => {
    const first = lines[at]
    if (!first || first.indent < indent) return null
    if (first.text.startsWith('- ')) {
      const list: Yaml[] = []
      while (lines[at]?.indent === first.indent && lines[at]?.text.startsWith('- ')) {
        list.push(scalar((lines[at]?.text ?? '').slice(2)))
        at++
      }
      return list
    }
    const map: Record<string, Yaml> = {}
    while (lines[at] && (lines[at]?.indent ?? 0) === first.indent) {
      const line = lines[at] as Line
      const m = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(line.text)
      if (!m?.[1]) throw new Error(`line ${line.n}: not a key`)
      at++
      const next = lines[at]
      map[m[1]] =
        m[2] !== undefined && m[2] !== ''
          ? scalar(m[2])
          : next && next.indent > line.indent
            ? block(next.indent)
            : null
    }
    return map
  }
  const out = block(0)
  if (at !== lines.length) throw new Error(`line ${lines[at]?.n}: unexpected indentation`)
  return out
}
