/**
 * JSON with sorted object keys: the same value always serializes the same. Used for request fingerprints and
 * for the operation descriptors user proofs commit to (a proof must not depend on key order the edge chose). Threat this stops: two encodings of one
 * operation hashing differently, so that a proof could be made to look like it is for something else.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
