/**
 * Collects everything a reliability test produced (responses, SSE streams, edge console, signer log,
 * stored threads) and looks for what must never appear there: a Stellar secret seed, the master key, the
 * salt secret, AUTH_SECRET, the Redis token or a session token, in the forms they are configured in and in
 * the other encodings a careless log line would use.
 */
import type { DevSecrets } from '../../../scripts/lib/secrets.ts'

export const SEED_RE = /\bS[A-Z2-7]{55}\b/g

export type Finding = { readonly source: string; readonly what: string }

export function createSecretScan() {
  const texts: { source: string; text: string }[] = []
  const watched = new Map<string, string>()
  return {
    add(source: string, text: string): void {
      if (text) texts.push({ source, text })
    },
    /** A value that must appear nowhere, under `name` (the report names it, never prints it). */
    watch(name: string, value: string): void {
      if (value.length < 8) return
      watched.set(value, name)
    },
    watchDevSecrets(s: DevSecrets): void {
      for (const [name, value] of Object.entries(s)) {
        this.watch(name, value)
        // base64 secrets also leak as hex or base64url when someone logs the decoded bytes.
        const bytes = Buffer.from(value, 'base64')
        if (bytes.length >= 16) {
          this.watch(`${name} (hex)`, bytes.toString('hex'))
          this.watch(`${name} (base64url)`, bytes.toString('base64url'))
        }
      }
    },
    get sources(): number {
      return texts.length
    },
    get bytes(): number {
      return texts.reduce((n, t) => n + t.text.length, 0)
    },
    scan(): Finding[] {
      const found: Finding[] = []
      for (const { source, text } of texts) {
        for (const m of text.matchAll(SEED_RE))
          found.push({ source, what: `secret seed ${m[0].slice(0, 4)}…` })
        for (const [value, name] of watched) if (text.includes(value)) found.push({ source, what: name })
      }
      return found
    },
  }
}

export type SecretScan = ReturnType<typeof createSecretScan>
