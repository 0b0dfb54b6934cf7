/**
 * Secret seeds (S…, 56 characters) never reach the model, the stream or a stored thread: anything that looks
 * like one is replaced before it is sent, emitted or persisted. A false positive costs a few characters.
 *
 * No word boundaries: "key:SABC…" and "mySABC…xyz" are seeds too. A seed inside a longer run of base32
 * characters takes the whole run with it, so no character of it survives at either end. Streamed text is
 * redacted with createDeltaRedactor, which holds back a tail that could still become a seed, so a seed split
 * across deltas ("SAB" + "C…") is caught as surely as one that arrives whole.
 */
const SEED_RUN = /[A-Z2-7]*S[A-Z2-7]{55}[A-Z2-7]*/g
/** The end of a text that a later delta could still complete into a seed: base32 from its first S on. */
const OPEN_TAIL = /S[A-Z2-7]*$/
export const REDACTED = '[redacted secret key]'

export const redactSecrets = (s: string): string => s.replace(SEED_RUN, REDACTED)

export type DeltaRedactor = {
  /** The part of the text so far that is safe to emit now (possibly ''). */
  push(delta: string): string
  /** The rest, at the end of the stream. */
  flush(): string
}

export function createDeltaRedactor(): DeltaRedactor {
  let pending = ''
  // The last redacted run reached the end of what arrived: base32 that follows still belongs to it.
  let swallowing = false
  return {
    push(delta) {
      let text = pending + delta
      pending = ''
      if (swallowing) {
        const rest = text.replace(/^[A-Z2-7]+/, '')
        if (rest === '') return ''
        swallowing = false
        text = rest
      }
      const last = [...text.matchAll(SEED_RUN)].at(-1)
      if (last && last.index + last[0].length === text.length) {
        swallowing = true
        return redactSecrets(text)
      }
      const redacted = redactSecrets(text)
      // A redaction marker ends in "]", so a held tail never straddles one.
      const tail = OPEN_TAIL.exec(redacted)
      const cut = tail ? tail.index : redacted.length
      pending = redacted.slice(cut)
      return redacted.slice(0, cut)
    },
    flush() {
      const rest = swallowing ? '' : redactSecrets(pending)
      pending = ''
      swallowing = false
      return rest
    },
  }
}
