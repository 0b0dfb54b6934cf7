/**
 * Everything the edge handles, recorded for a secret scan: the browser's requests and the edge's answers,
 * each request the edge sends the signer and each answer it gets back. Used by sealed-seeds.test.ts and
 * compromised-edge.test.ts to show no seed crosses the edge in clear, in any encoding a leak would use.
 */
import { env } from 'cloudflare:workers'
import type { Keypair } from '@stellar/stellar-sdk/base'
import type { createSecretScan } from '../../support/reliability/secret-scan.ts'
import { testApp } from './app.ts'

export type Scan = ReturnType<typeof createSecretScan>

/** The real SIGNER binding, with every request and answer body the edge exchanges kept for the scan. */
export function recordingSigner(scan: Scan): Fetcher {
  return {
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init)
      const path = new URL(req.url).pathname
      scan.add(`edge→signer ${path}`, await req.clone().text())
      const res = await env.SIGNER.fetch(req)
      scan.add(`signer→edge ${path}`, await res.clone().text())
      return res
    },
    connect: () => {
      throw new Error('not used')
    },
  } as unknown as Fetcher
}

/** The real app over the recording binding, recording the browser's side too. */
export function recordingApp(scan: Scan): ReturnType<typeof testApp> {
  const app = testApp({ signer: recordingSigner(scan) })
  return async (path: string, init: RequestInit = {}): Promise<Response> => {
    if (typeof init.body === 'string') scan.add(`browser→edge ${path}`, init.body)
    const res = await app(path, init)
    scan.add(`edge→browser ${path}`, await res.clone().text())
    return res
  }
}

export const watchSeed = (scan: Scan, kp: Keypair) => {
  const raw = Buffer.from(kp.rawSecretKey())
  scan.watch('seed', kp.secret())
  scan.watch('seed (raw hex)', raw.toString('hex'))
  scan.watch('seed (raw base64)', raw.toString('base64'))
  scan.watch('seed (raw base64url)', raw.toString('base64url'))
}
