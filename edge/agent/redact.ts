/**
 * Secret seeds (S…, 56 characters) never reach the model, the stream or a stored thread: anything that looks
 * like one is replaced before it is sent, emitted or persisted. A false positive costs a few characters.
 */
const SECRET_SEED = /\bS[A-Z2-7]{55}\b/g

export const redactSecrets = (s: string): string => s.replace(SECRET_SEED, '[redacted secret key]')
