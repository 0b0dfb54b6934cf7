/**
 * `node bench/attestation.ts`: the cost of a full quote verification (dcap-qvl on the real fixture, Intel
 * root, pinned "now") and of a per-response check (SHA-256 of the body + Ed25519 verify, WebCrypto).
 */

import { readFileSync } from 'node:fs'
import { dcapVerifier } from '../edge/attestation/dcap.ts'
import { importResponseKey, verifyResponseSignature } from '../edge/attestation/response-signature.ts'
import { createResponseKey } from '../signer/attestation/response-key.ts'

const dir = new URL('../../shared/fixtures/attestation/', import.meta.url)
const quote = new Uint8Array(readFileSync(new URL('tdx_quote.bin', dir)))
const collateral = JSON.parse(readFileSync(new URL('tdx_quote_collateral.json', dir), 'utf8'))
const verify = dcapVerifier()

const time = async (n: number, f: () => unknown) => {
  for (let i = 0; i < Math.min(5, n); i++) await f()
  const t = performance.now()
  for (let i = 0; i < n; i++) await f()
  return ((performance.now() - t) / n) * 1000
}

const quoteUs = await time(50, () => verify(quote, collateral, 1751624655))
const key = createResponseKey()
const pub = await importResponseKey(key.publicKey)
const body = JSON.stringify({ ok: true, result: { signedXdr: 'A'.repeat(600), hash: 'f'.repeat(64) } })
const bytes = new TextEncoder().encode(body)
const headers = new Headers(key.signatureHeaders('req_bench_00000001', 200, body, Date.now()))
const checkUs = await time(5000, async () => {
  const r = await verifyResponseSignature(
    pub,
    { requestId: 'req_bench_00000001', status: 200, body: bytes, headers },
    Date.now(),
  )
  if (!r.ok) throw new Error(r.error)
})
const signUs = await time(5000, () => key.signatureHeaders('req_bench_00000001', 200, body, Date.now()))
console.log(
  JSON.stringify({
    node: process.version,
    quoteVerifyUs: Math.round(quoteUs),
    responseCheckUs: Math.round(checkUs),
    responseSignUs: Math.round(signUs),
  }),
)
