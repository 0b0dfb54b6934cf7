/**
 * Just enough DER to write X.509 certificates and CRLs for a test root CA: tag-length-value and the handful
 * of types a certificate uses. Test support only; production code parses certificates with dcap-qvl.
 */
const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(content)
  const n = body.length
  const len =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]
  return concat([Uint8Array.of(tag, ...len), body])
}

export const seq = (...c: Uint8Array[]) => tlv(0x30, ...c)
export const set = (...c: Uint8Array[]) => tlv(0x31, ...c)
export const octets = (b: Uint8Array) => tlv(0x04, b)
export const bitString = (b: Uint8Array) => tlv(0x03, Uint8Array.of(0), b)
export const bool = (v: boolean) => tlv(0x01, Uint8Array.of(v ? 0xff : 0))
export const explicit = (n: number, ...c: Uint8Array[]) => tlv(0xa0 + n, ...c)
export const utf8 = (s: string) => tlv(0x0c, new TextEncoder().encode(s))

/** A non-negative INTEGER from big-endian bytes (leading zero added when the top bit is set). */
export function int(bytes: Uint8Array | number): Uint8Array {
  let b = typeof bytes === 'number' ? Uint8Array.of(bytes) : bytes
  while (b.length > 1 && b[0] === 0 && ((b[1] ?? 0) & 0x80) === 0) b = b.subarray(1)
  return tlv(0x02, (b[0] ?? 0) & 0x80 ? concat([Uint8Array.of(0), b]) : b)
}

export function oid(dotted: string): Uint8Array {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number)
  const out = [40 * a + b]
  for (const n of rest) {
    const chunk = [n & 0x7f]
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80)
    out.push(...chunk)
  }
  return tlv(0x06, Uint8Array.from(out))
}

/** UTCTime YYMMDDHHMMSSZ (certificates until 2049). */
export function utcTime(d: Date): Uint8Array {
  const p = (n: number) => String(n).padStart(2, '0')
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
  return tlv(0x17, new TextEncoder().encode(s))
}
