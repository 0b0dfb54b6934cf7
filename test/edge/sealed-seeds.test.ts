/**
 * Seeds never cross the edge in clear: an import and an export through the real app and the real mTLS signer,
 * with every byte the edge handles recorded (the browser's requests, the edge's answers, each request it sends
 * the signer and each answer it gets back), then scanned for the seed in every encoding a leak would use.
 * The control proves the scan finds a seed where one is.
 */
import { Keypair } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { createSecretScan } from '../support/reliability/secret-scan.ts'
import { json } from './support/app.ts'
import { exportWithProof, importWithProof, register } from './support/auth-flows.ts'
import { recordingApp, watchSeed } from './support/recording.ts'
import { openExport } from './support/seal.ts'

describe('no seed in anything the edge handles during import and export', () => {
  it('import then export: every body on both sides of the edge is free of the seed', async () => {
    const scan = createSecretScan()
    const call = recordingApp(scan)
    const kp = Keypair.random()
    watchSeed(scan, kp)
    // Registration, the passkey re-auth ceremonies and the signer's challenges go through the recorder too.
    const user = await register(call)
    const imported = await importWithProof(call, user, kp.secret())
    expect(imported.status).toBe(201)
    const { accountId } = await json<{ accountId: string }>(imported)
    const { res: exported, key } = await exportWithProof(call, user, accountId)
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
