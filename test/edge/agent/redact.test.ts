/**
 * Seed redaction, whole and streamed: a seed glued to other characters, inside a longer base32 run, or split
 * across deltas at any point never comes out, not even in part; ordinary text (public keys, words that start
 * with S, almost-seeds) passes unchanged, and what is held back comes out at the end.
 */
import { Keypair } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { createDeltaRedactor, REDACTED, redactSecrets } from '../../../edge/agent/redact.ts'

const seed = Keypair.random().secret()
const other = Keypair.random().secret()
/** No 6-character piece of the seed survives (the S and the checksum included). */
const leaks = (out: string, s = seed) => {
  for (let i = 0; i + 6 <= s.length; i++) if (out.includes(s.slice(i, i + 6))) return true
  return false
}

describe('redactSecrets', () => {
  it.each([
    ['alone', seed],
    ['in a sentence', `my key is ${seed}, keep it`],
    ['glued to lower-case letters', `key${seed}xyz`],
    ['glued to base32 digits', `234${seed}567`],
    ['glued to capitals', `ABC${seed}DEF`],
    ['after a colon, in JSON', `{"secret":"${seed}"}`],
    ['two seeds back to back', `${seed}${other}`],
    ['after an underscore', `seed_${seed}_end`],
    ['a seed preceded by an S', `S${seed}`],
  ])('redacts a seed %s', (_name, text) => {
    const out = redactSecrets(text)
    expect(out).toContain(REDACTED)
    expect(leaks(out)).toBe(false)
    if (text.includes(other)) expect(leaks(out, other)).toBe(false)
  })

  it.each([
    ['a public key', Keypair.random().publicKey()],
    ['words', 'Stellar SAFE STOP Send 100 XLM'],
    ['an almost-seed (55 characters)', seed.slice(0, 55)],
    ['lower case', seed.toLowerCase()],
  ])('leaves %s alone', (_name, text) => {
    expect(redactSecrets(text)).toBe(text)
  })
})

const stream = (parts: string[]): { out: string; emitted: string[] } => {
  const r = createDeltaRedactor()
  const emitted = parts.map((p) => r.push(p))
  emitted.push(r.flush())
  return { out: emitted.join(''), emitted }
}

describe('createDeltaRedactor', () => {
  const text = `here: ${seed} ok`
  const cuts = Array.from({ length: seed.length + 1 }, (_, i) => i + 6)
  it.each(cuts)('a seed split at offset %i of the text never comes out', (cut) => {
    const { out, emitted } = stream([text.slice(0, cut), text.slice(cut)])
    for (const e of emitted) expect(leaks(e)).toBe(false)
    expect(out).toBe(`here: ${REDACTED} ok`)
  })

  it.each([
    ['one character per delta', text.split('')],
    ['three pieces', [text.slice(0, 10), text.slice(10, 40), text.slice(40)]],
    ['glued to a word, two pieces', [`key${seed.slice(0, 20)}`, `${seed.slice(20)}xyz`]],
    [
      'two seeds across four pieces',
      [seed.slice(0, 30), seed.slice(30) + other.slice(0, 3), other.slice(3), '.'],
    ],
  ])('streamed %s: redacted, nothing leaks', (_name, parts) => {
    const { out, emitted } = stream(parts)
    for (const e of emitted) expect(leaks(e)).toBe(false)
    expect(leaks(out, other)).toBe(false)
    expect(out).toContain(REDACTED)
  })

  it('ordinary text streams through; a held tail that never became a seed comes out at the end', () => {
    const plain = 'Send 10 XLM to SUSAN now. SAB'
    const { out, emitted } = stream(plain.match(/.{1,4}/g) ?? [])
    expect(out).toBe(plain)
    expect(emitted.at(-1)).toBe('SAB')
  })
})
