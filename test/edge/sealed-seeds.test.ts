/**
 * Seeds never cross the edge in clear: an import and an export through the real app and the real mTLS signer,
 * with every byte the edge handles recorded (the browser's requests, the edge's answers, each request it sends
 * the signer and each answer it gets back), then scanned for the seed in every encoding a leak would use.
 * The control proves the scan finds a seed where one is.
 */
import { env } from 'cloudflare:workers'
import { Keypair } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { createSecretScan } from '../support/reliability/secret-scan.ts'
import { json, signedInUser, testApp } from './support/app.ts'
import { exportKey, openExport, sealedImport } from './support/seal.ts'

type Scan = ReturnType<typeof createSecretScan>

/** The real SIGNER binding, with every request and answer body the edge exchanges kept for the scan. */
function recordingSigner(scan: Scan): Fetcher {
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

function recordingApp(scan: Scan) {
  const app = testApp({ signer: recordingSigner(scan) })
  return async (path: string, init: RequestInit = {}): Promise<Response> => {
    if (typeof init.body === 'string') scan.add(`browser→edge ${path}`, init.body)
    const res = await app(path, init)
    scan.add(`edge→browser ${path}`, await res.clone().text())
    return res
  }
}

const watchSeed = (scan: Scan, kp: Keypair) => {
  const raw = Buffer.from(kp.rawSecretKey())
  scan.watch('seed', kp.secret())
  scan.watch('seed (raw hex)', raw.toString('hex'))
  scan.watch('seed (raw base64)', raw.toString('base64'))
  scan.watch('seed (raw base64url)', raw.toString('base64url'))
}

describe('no seed in anything the edge handles during import and export', () => {
  it('import then export: every body on both sides of the edge is free of the seed', async () => {
    const scan = createSecretScan()
    const call = recordingApp(scan)
    const kp = Keypair.random()
    watchSeed(scan, kp)
    const user = await signedInUser({ fresh: true })
    const post = (path: string, body: unknown) =>
      call(path, {
        method: 'POST',
        headers: { ...user.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })

    const imported = await post('/api/accounts/import', {
      sealed: await sealedImport(call, user.auth, kp.secret()),
    })
    expect(imported.status).toBe(201)
    const { accountId } = await json<{ accountId: string }>(imported)
    const key = await exportKey()
    const exported = await post(`/api/accounts/${accountId}/export`, {
      recipientPublicKey: key.recipientPublicKey,
    })
    expect(exported.status).toBe(200)
    const body = await json<{ sealed: { enc: string; ciphertext: string } }>(exported)
    // The round trip works: only the holder of the ephemeral key reads the seed.
    expect(await openExport(key, body.sealed, user.userId, accountId)).toBe(kp.secret())

    const sources = scan.sources
    // At least: attestation + session + import + export, each seen by the browser and by the signer.
    expect(sources).toBeGreaterThanOrEqual(10)
    expect(scan.scan()).toEqual([])
  })

  it('control: the same scan finds a seed in clear, in raw hex, and glued to other characters', () => {
    const kp = Keypair.random()
    for (const text of [
      `{"secret":"${kp.secret()}"}`,
      Buffer.from(kp.rawSecretKey()).toString('hex'),
      `x${kp.secret()}y`,
    ]) {
      const scan = createSecretScan()
      watchSeed(scan, kp)
      scan.add('planted', text)
      expect(scan.scan().length).toBeGreaterThan(0)
    }
  })
})
