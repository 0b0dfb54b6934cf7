/**
 * Builds TDX v4 quotes and their DCAP collateral under a test root CA, byte for byte in the layout dcap-qvl
 * parses: header ‖ TD report (MRTD, RTMR0-3, REPORTDATA …) ‖ auth data (ECDSA-P256 signature by a fresh
 * attestation key ‖ that key ‖ cert data type 6: QE report signed by the PCK key ‖ QE auth data ‖ cert data
 * type 5: PCK chain). The QE report commits to the attestation key, the collateral's TCB info and QE identity
 * are the real fixture's JSON with new dates, signed by the test TCB signing key. Verify with
 * QuoteVerifier.newWithRootCa(root.der).
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { type Collateral, Quote, utils } from '@phala/dcap-qvl'
import { fromHex } from '../../../shared/attestation.ts'
import { issueCert, issueCrl, pem, type TestCert } from './pki.ts'

const DIR = new URL('../../../../shared/fixtures/attestation/', import.meta.url)
export const FIXTURE_QUOTE = new Uint8Array(readFileSync(new URL('tdx_quote.bin', DIR)))
export const FIXTURE_COLLATERAL = JSON.parse(
  readFileSync(new URL('tdx_quote_collateral.json', DIR), 'utf8'),
) as Collateral

const HEADER = 48
const TD_REPORT = 584
/** Offsets inside the TD report body (TDREPORT10). */
const AT = {
  tdAttributes: 120,
  mrtd: 136,
  rtmr0: 328,
  rtmr1: 376,
  rtmr2: 424,
  rtmr3: 472,
  reportData: 520,
} as const

export type TdFields = {
  readonly mrtd: string
  readonly rtmr0: string
  readonly rtmr1: string
  readonly rtmr2: string
  readonly rtmr3: string
  readonly reportData: Uint8Array
  /** Sets the TD's DEBUG bit (TUD), which dcap-qvl must refuse. */
  readonly debug?: boolean
}

export type TestDcap = {
  readonly root: TestCert
  readonly pck: TestCert
  readonly tcbSigner: TestCert
  readonly now: Date
  quote(fields: TdFields): Uint8Array
  collateral(opts?: { revokePck?: boolean; validDays?: number }): Collateral
}

const u16 = (n: number) => Uint8Array.of(n & 0xff, n >> 8)
const u32 = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24)
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]))
const p1363 = (data: Uint8Array, key: Parameters<typeof sign>[2]) =>
  new Uint8Array(sign('sha256', data, { key: key as never, dsaEncoding: 'ieee-p1363' }))

const hexBytes = (hex: string, len: number): Uint8Array => {
  const b = fromHex(hex)
  if (b?.length !== len) throw new Error(`expected ${len} bytes of hex`)
  return b
}

/** A fresh test root, PCK and TCB signer, valid around `now`. */
export function createTestDcap(now = new Date()): TestDcap {
  const day = 86_400_000
  const notBefore = new Date(now.getTime() - day)
  const notAfter = new Date(now.getTime() + 365 * day)
  const fixture = Quote.parse(FIXTURE_QUOTE)
  const fixtureChain = utils.extractCerts(Buffer.from(fixture.rawCertChain()))
  const fixturePck = fixtureChain[0]
  if (!fixturePck) throw new Error('fixture has no PCK certificate')
  const sgxExtension = new Uint8Array(utils.getIntelExtension(fixturePck))

  const rootName = 'Tuxedo Test DCAP Root CA'
  const root = issueCert({ subject: rootName, issuer: rootName, ca: true, notBefore, notAfter })
  const pck = issueCert({
    subject: 'Tuxedo Test PCK Certificate',
    issuer: rootName,
    issuerKey: root.key,
    ca: false,
    notBefore,
    notAfter,
    sgxExtension,
  })
  const tcbSigner = issueCert({
    subject: 'Tuxedo Test TCB Signing',
    issuer: rootName,
    issuerKey: root.key,
    ca: false,
    notBefore,
    notAfter,
  })

  // The fixture's QE report and auth data, re-used: only its report data (the attestation key hash) changes.
  const fixtureAuth = fixture.authData.intoV3()
  const qeAuthData = new Uint8Array(fixtureAuth.qeAuthData)
  const fixtureQeReport = new Uint8Array(fixtureAuth.qeReport)

  const quote = (f: TdFields): Uint8Array => {
    const header = FIXTURE_QUOTE.slice(0, HEADER)
    const body = FIXTURE_QUOTE.slice(HEADER, HEADER + TD_REPORT)
    body.set(hexBytes(f.mrtd, 48), AT.mrtd)
    body.set(hexBytes(f.rtmr0, 48), AT.rtmr0)
    body.set(hexBytes(f.rtmr1, 48), AT.rtmr1)
    body.set(hexBytes(f.rtmr2, 48), AT.rtmr2)
    body.set(hexBytes(f.rtmr3, 48), AT.rtmr3)
    body.set(f.reportData, AT.reportData)
    if (f.debug) body[AT.tdAttributes] = 0x01
    const attestation = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = attestation.publicKey.export({ format: 'jwk' })
    const attKey = cat(Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url'))
    const qeReport = fixtureQeReport.slice()
    qeReport.fill(0, 320, 384)
    qeReport.set(createHash('sha256').update(attKey).update(qeAuthData).digest(), 320)
    const chain = new TextEncoder().encode(pem(pck.der) + pem(root.der))
    const qeCertData = cat(
      qeReport,
      p1363(qeReport, pck.key),
      u16(qeAuthData.length),
      qeAuthData,
      u16(5),
      u32(chain.length),
      chain,
    )
    const signed = cat(header, body)
    const auth = cat(
      p1363(signed, attestation.privateKey),
      attKey,
      u16(6),
      u32(qeCertData.length),
      qeCertData,
    )
    return cat(signed, u32(auth.length), auth)
  }

  const collateral = (opts: { revokePck?: boolean; validDays?: number } = {}): Collateral => {
    const issueDate = new Date(now.getTime() - day).toISOString().replace(/\.\d+Z$/, 'Z')
    const nextUpdate = new Date(now.getTime() + (opts.validDays ?? 30) * day)
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
    const redate = (text: string, key: string) => {
      const outer = JSON.parse(text) as Record<string, Record<string, unknown>>
      const inner = outer[key] ?? {}
      return JSON.stringify({ ...inner, issueDate, nextUpdate })
    }
    // The signed JSON is the inner object (tcbInfo / enclaveIdentity), as Intel's PCS serves it.
    const tcbInfo = redate(JSON.stringify({ tcbInfo: JSON.parse(FIXTURE_COLLATERAL.tcb_info) }), 'tcbInfo')
    const qeIdentity = redate(JSON.stringify({ q: JSON.parse(FIXTURE_COLLATERAL.qe_identity) }), 'q')
    const enc = new TextEncoder()
    const chain = pem(tcbSigner.der) + pem(root.der)
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    return {
      pck_crl_issuer_chain: pem(root.der),
      root_ca_crl: hex(issueCrl(root, 'Tuxedo Test DCAP Root CA', [], now)),
      pck_crl: hex(issueCrl(root, 'Tuxedo Test DCAP Root CA', opts.revokePck ? [pck.serial] : [], now)),
      tcb_info_issuer_chain: chain,
      tcb_info: tcbInfo,
      tcb_info_signature: hex(p1363(enc.encode(tcbInfo), tcbSigner.key)),
      qe_identity_issuer_chain: chain,
      qe_identity: qeIdentity,
      qe_identity_signature: hex(p1363(enc.encode(qeIdentity), tcbSigner.key)),
    }
  }

  return { root, pck, tcbSigner, now, quote, collateral }
}
