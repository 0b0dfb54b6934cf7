/**
 * Throwaway PKI for local runs and tests: a CA, the signer's server certificate and the edge's client
 * certificate. Made with the openssl CLI at set-up time; private keys are never committed.
 */
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spkiPinOf } from '../../signer/tls/client-pins.ts'

export type Pki = {
  readonly dir: string
  readonly caCert: string
  readonly serverCert: string
  readonly serverKey: string
  readonly clientCert: string
  readonly clientKey: string
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' })

function keyAndCsr(cwd: string, name: string, subject: string) {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.ec.key`], cwd)
  // PKCS#8, the form both Node and workerd read.
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', `${name}.ec.key`, '-out', `${name}.key`], cwd)
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], cwd)
}

function sign(cwd: string, name: string, ca: string, ext: string) {
  writeFileSync(join(cwd, `${name}.ext`), ext)
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-days',
      '30',
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    cwd,
  )
}

function makeCa(cwd: string, name: string, cn: string) {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.ec.key`], cwd)
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', `${name}.ec.key`, '-out', `${name}.key`], cwd)
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      `/CN=${cn}`,
      '-days',
      '30',
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      `${name}.crt`,
    ],
    cwd,
  )
}

/**
 * Creates (or reuses) a CA, a server certificate for localhost/127.0.0.1 and a client certificate.
 * `prefix` lets tests create a second, unrelated CA and client ("wrong CA").
 */
export function ensurePki(dir: string, prefix = ''): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const p = (f: string) => join(dir, `${prefix}${f}`)
  const pki: Pki = {
    dir,
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
  }
  if ([pki.caCert, pki.serverCert, pki.serverKey, pki.clientCert, pki.clientKey].every(existsSync)) return pki
  makeCa(dir, `${prefix}ca`, `Tuxedo ${prefix || 'dev'} CA`)
  keyAndCsr(dir, `${prefix}server`, '/CN=localhost')
  sign(
    dir,
    `${prefix}server`,
    `${prefix}ca`,
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  )
  keyAndCsr(dir, `${prefix}client`, '/CN=tuxedo-edge')
  sign(dir, `${prefix}client`, `${prefix}ca`, CLIENT_EXT)
  return pki
}

const CLIENT_EXT =
  'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'

/**
 * Another client certificate from the same CA (`name`.crt/.key in the PKI folder): what a mis-issuance or
 * a second holder of the CA key would present. The signer must refuse it, since its SPKI is not pinned.
 */
export function issueClientCert(pki: Pki, name: string): { cert: string; key: string } {
  const out = { cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) }
  if (existsSync(out.cert) && existsSync(out.key)) return out
  const ca =
    pki.caCert
      .replace(/\.crt$/, '')
      .split('/')
      .pop() ?? 'ca'
  keyAndCsr(pki.dir, name, `/CN=${name}`)
  sign(pki.dir, name, ca, CLIENT_EXT)
  return out
}

/** The value for SIGNER_CLIENT_SPKI_PINS that accepts exactly this certificate. */
export const spkiPinOfFile = (certPath: string): string =>
  spkiPinOf(new X509Certificate(readFileSync(certPath)))

export const readPem = (path: string): string => readFileSync(path, 'utf8')
