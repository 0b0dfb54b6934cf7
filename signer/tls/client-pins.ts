/**
 * Client-certificate pinning. The CA check in the TLS handshake says "someone the CA signed"; the pin says
 * "this exact key": a certificate the CA issued to anyone else (a mis-issuance, a second Worker, a test
 * client) is refused, so a leaked CA key alone does not reach the RPC surface. Pins are SHA-256 of the
 * certificate's SubjectPublicKeyInfo (DER), as in HPKP's pin-sha256; a rotation lists two pins for a while.
 * They come from SIGNER_CLIENT_SPKI_PINS in the compose file, which the attestation measures.
 */
import { createHash, type X509Certificate } from 'node:crypto'
import { err, ok, type Result } from '../../shared/result.ts'

/** More than a rotation needs; a longer list is a configuration mistake, not a feature. */
const MAX_PINS = 4
const HEX_PIN = /^[0-9a-fA-F]{64}$/
const BASE64_PIN = /^[A-Za-z0-9+/]{43}=$/

/** Lower-case hex SHA-256 of the certificate's SPKI. */
export function spkiPinOf(cert: X509Certificate): string {
  return createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
}

/** "pin,pin": each 64 hex characters or padded base64 of 32 bytes; at least one, at most four, no repeats. */
export function parseSpkiPins(raw: string): Result<ReadonlySet<string>, string> {
  const tokens = raw.split(',').map((t) => t.trim())
  if (tokens.length > MAX_PINS) return err(`at most ${MAX_PINS} pins`)
  const pins = new Set<string>()
  for (const t of tokens) {
    let hex: string
    if (HEX_PIN.test(t)) hex = t.toLowerCase()
    else if (BASE64_PIN.test(t)) hex = Buffer.from(t, 'base64').toString('hex')
    else return err('each pin must be a SHA-256 (64 hex characters or base64 of 32 bytes)')
    if (pins.has(hex)) return err('a pin is listed twice')
    pins.add(hex)
  }
  return ok(pins)
}
