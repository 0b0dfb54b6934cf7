/**
 * A throwaway DCAP PKI: a test root CA, a PCK leaf that carries the Intel SGX extension (copied from the real
 * fixture's PCK certificate, so FMSPC and CPUSVN match the real TCB info), and a TCB signing certificate.
 * Everything is ECDSA P-256 / SHA-256, as Intel's is.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto'
import { bitString, bool, explicit, int, octets, oid, seq, set, utcTime, utf8 } from './der.ts'

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'))
const SGX_EXTENSION_OID = '1.2.840.113741.1.13.1'

export type TestCert = { readonly der: Uint8Array; readonly key: KeyObject; readonly serial: Uint8Array }

const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))))

export function issueCert(opts: {
  readonly subject: string
  readonly issuer: string
  readonly issuerKey?: KeyObject
  readonly ca: boolean
  readonly notBefore: Date
  readonly notAfter: Date
  readonly sgxExtension?: Uint8Array
}): TestCert {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const serial = Uint8Array.from(randomBytes(16))
  serial[0] = (serial[0] ?? 0) & 0x7f
  const extensions = [
    // basicConstraints: dcap-qvl refuses a CA certificate used as a leaf.
    seq(oid('2.5.29.19'), bool(true), octets(opts.ca ? seq(bool(true)) : seq())),
    ...(opts.sgxExtension ? [seq(oid(SGX_EXTENSION_OID), octets(opts.sgxExtension))] : []),
  ]
  const tbs = seq(
    explicit(0, int(2)),
    int(serial),
    ECDSA_SHA256,
    name(opts.issuer),
    seq(utcTime(opts.notBefore), utcTime(opts.notAfter)),
    name(opts.subject),
    new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    explicit(3, seq(...extensions)),
  )
  const signature = sign('sha256', tbs, opts.issuerKey ?? privateKey)
  return { der: seq(tbs, ECDSA_SHA256, bitString(new Uint8Array(signature))), key: privateKey, serial }
}

/** A CRL (signed by `issuer`) listing `revoked` serials; dcap-qvl reads the serials. */
export function issueCrl(
  issuer: TestCert,
  issuerName: string,
  revoked: readonly Uint8Array[],
  now: Date,
): Uint8Array {
  const later = new Date(now.getTime() + 30 * 86_400_000)
  const entries = revoked.map((s) => seq(int(s), utcTime(now)))
  const tbs = seq(
    int(1),
    ECDSA_SHA256,
    name(issuerName),
    utcTime(now),
    utcTime(later),
    ...(entries.length > 0 ? [seq(...entries)] : []),
  )
  return seq(tbs, ECDSA_SHA256, bitString(new Uint8Array(sign('sha256', tbs, issuer.key))))
}

export const pem = (der: Uint8Array): string =>
  `-----BEGIN CERTIFICATE-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END CERTIFICATE-----\n`
