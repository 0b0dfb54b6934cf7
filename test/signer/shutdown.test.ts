/** SIGTERM drains: a request already in flight gets its answer, then the DB closes and the process exits 0. */

import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { request } from 'node:https'
import { describe, expect, it } from 'vitest'
import { dbPath } from '../../signer/store/sqlite/db.ts'
import { listeningLine, runChild } from './child.ts'
import { guardAgainstLeaks, testEnv, testPki } from './helpers.ts'

guardAgainstLeaks()

describe('SIGTERM', () => {
  it('finishes the in-flight request, closes the database and exits 0', async () => {
    const env = testEnv()
    const child = runChild('signer/main.ts', env)
    const { port } = listeningLine(await child.waitFor('signer listening'))
    const { pki } = testPki()
    const body = JSON.stringify({
      requestId: `req_${randomUUID()}`,
      issuedAt: Date.now(),
      userId: 'u1',
      params: { kind: 'agent' },
    })
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/accounts.create',
          method: 'POST',
          servername: 'localhost',
          ca: readFileSync(pki.caCert),
          cert: readFileSync(pki.clientCert),
          key: readFileSync(pki.clientKey),
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = ''
          res.on('data', (c: Buffer) => {
            text += c.toString()
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        },
      )
      req.on('error', reject)
      // Half the body now, SIGTERM, the rest later: the request is in flight across the signal.
      req.write(body.slice(0, 20))
      req.on('socket', (s) =>
        s.once('secureConnect', () =>
          setTimeout(() => {
            child.proc.kill('SIGTERM')
            setTimeout(() => req.end(body.slice(20)), 300)
          }, 100),
        ),
      )
    })
    const res = await response
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text).ok).toBe(true)
    const exited = await child.exited
    expect(exited.code).toBe(0)
    expect(exited.stdout).toContain('signer draining')
    expect(exited.stdout).toContain('signer stopped')
    // A clean close checkpoints the WAL and removes it.
    expect(existsSync(`${dbPath(env.SIGNER_DATA_DIR ?? '')}-wal`)).toBe(false)
  })
})
