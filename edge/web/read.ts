/**
 * Reading tool results and stored thread messages defensively: these shapes cross the wire, so a field is
 * read only when it has the type asked for (no throw on strings or null). Kept apart from the cards that
 * render them so the first screen can tell what a result is without loading how it is drawn.
 */

/** An unsigned transaction for the user's own wallet (external-wallet mode's tool result). */
export type Unsigned = {
  readonly unsignedXdr: string
  readonly networkPassphrase: string
  readonly description?: string
  readonly preview?: unknown
}

/** A property of anything, undefined when it is not an object. */
export const prop = (o: unknown, k: string): unknown =>
  typeof o === 'object' && o !== null ? Reflect.get(o, k) : undefined

export const str = (o: unknown, k: string): string | undefined => {
  const v = prop(o, k)
  return typeof v === 'string' ? v : undefined
}
export const num = (o: unknown, k: string): number | undefined => {
  const v = prop(o, k)
  return typeof v === 'number' ? v : undefined
}
export const list = (o: unknown, k: string): unknown[] => {
  const v = prop(o, k)
  return Array.isArray(v) ? v : []
}

export const isUnsigned = (data: unknown): data is Unsigned =>
  typeof str(data, 'unsignedXdr') === 'string' && typeof str(data, 'networkPassphrase') === 'string'
